# Webhooks: Events.
import os

import requests

base_url = os.environ.get('PNEUMATIC_BASE_URL', 'https://api.pneumatic.app')
api_key = os.environ['PNEUMATIC_API_KEY']
headers = {
  'Authorization': f'Bearer {api_key}'
}
end_point = f'{base_url}/webhooks/events'
r = requests.get(end_point, headers=headers)

assert r.status_code == 200, r.text
events = r.json()
assert [e['event'] for e in events] == ['workflow_completed', 'workflow_started', 'task_completed_v2',
                                        'task_returned'], events
for event in events:
    print(event['event'], event['url'])
