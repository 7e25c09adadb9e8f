# Tasks: Get a single task.
import os

import requests

base_url = os.environ.get('PNEUMATIC_BASE_URL', 'https://api.pneumatic.app')
api_key = os.environ['PNEUMATIC_API_KEY']
task_id = int(os.environ['TASK_ID'])
headers = {
  'Authorization': f'Bearer {api_key}',
}

r = requests.get(
    f'{base_url}/v2/tasks/{task_id}',
    headers=headers,
)

assert r.status_code == 200, r.text
task = r.json()
assert 'output' in task and 'performers' in task, task
print(task['name'], '- due', task['due_date'])
