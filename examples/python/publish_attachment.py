# Templates: Make a file public.
import os

import requests

base_url = os.environ.get('PNEUMATIC_BASE_URL', 'https://api.pneumatic.app')
api_key = os.environ['PNEUMATIC_API_KEY']
headers = {
  'Authorization': f'Bearer {api_key}',
}

attachment_id = int(os.environ.get('ATTACHMENT_ID', 123))

r = requests.post(
    f'{base_url}/workflows/attachments/{attachment_id}/publish',
    headers=headers,
)

assert r.status_code == 200, r.text
published = r.json()
assert 'url' in published and 'thumbnail_url' in published, published
# Public now: anyone may fetch it, without a key.
assert requests.get(published['url']).status_code == 200
print(f"public at {published['url']}")
