# Webhooks: Unsubscribe from all events at once.
import os

import requests

base_url = os.environ.get('PNEUMATIC_BASE_URL', 'https://api.pneumatic.app')
api_key = os.environ['PNEUMATIC_API_KEY']
headers = {
  'Authorization': f'Bearer {api_key}'
}
end_point = f'{base_url}/webhooks/unsubscribe'

r = requests.post(end_point, headers=headers)

assert r.status_code == 204, r.text
print('all events unsubscribed')
