# Webhooks: Subscribe to an event (a form-encoded body, as in the seed).
import os

import requests

base_url = os.environ.get('PNEUMATIC_BASE_URL', 'https://api.pneumatic.app')
api_key = os.environ['PNEUMATIC_API_KEY']
event_name = os.environ.get('EVENT_NAME', 'workflow_started')
subscription_url = os.environ['SUBSCRIPTION_URL']
headers = {
  'Authorization': f'Bearer {api_key}'
}
end_point = f'{base_url}/webhooks/events/{event_name}/subscribe'
payload = {
  'url': subscription_url
}

r = requests.post(end_point, headers=headers, data = payload)

assert r.status_code == 204, r.text
print(f'{event_name} -> {subscription_url}')
