# Webhooks: Subscribe to all events at once. As in the seed, no url is
# sent: the one URL already subscribed (subscribe.py) is used for all.
import os

import requests

base_url = os.environ.get('PNEUMATIC_BASE_URL', 'https://api.pneumatic.app')
api_key = os.environ['PNEUMATIC_API_KEY']
headers = {
  'Authorization': f'Bearer {api_key}'
}
end_point = f'{base_url}/webhooks/subscribe'

r = requests.post(end_point, headers=headers)

assert r.status_code == 200, r.text
assert r.json()['url'], r.json()
print('all events ->', r.json()['url'])
