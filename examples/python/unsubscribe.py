# Webhooks: Unsubscribe from an event.
import os

import requests

base_url = os.environ.get('PNEUMATIC_BASE_URL', 'https://api.pneumatic.app')
api_key = os.environ['PNEUMATIC_API_KEY']
event_name = os.environ.get('EVENT_NAME', 'workflow_started')
headers = {
  'Authorization': f'Bearer {api_key}'
}
end_point = f'{base_url}/webhooks/events/{event_name}/unsubscribe'

r = requests.post(end_point, headers=headers)

assert r.status_code == 204, r.text
print(f'{event_name} unsubscribed')
