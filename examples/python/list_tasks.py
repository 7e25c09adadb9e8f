# Tasks: Get a list of tasks.
import os

import requests

base_url = os.environ.get('PNEUMATIC_BASE_URL', 'https://api.pneumatic.app')
api_key = os.environ['PNEUMATIC_API_KEY']
user_id = int(os.environ['USER_ID'])
headers = {
  'Authorization': f'Bearer {api_key}',
}

r = requests.get(
    f'{base_url}/v3/tasks?assigned_to={user_id}',
    headers=headers,
)

assert r.status_code == 200, r.text
data = r.json()
assert 'results' in data, data
for task in data['results']:
    print(task['id'], task['name'], '-', task['workflow_name'])
if data['results']:
    print(f"TASK_ID={data['results'][0]['id']}")
