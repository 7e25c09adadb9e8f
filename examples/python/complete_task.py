# Tasks: Complete a task (the current task of a workflow). The seed's
# missing "import json" and unclosed quotes are fixed; selection ids come
# from get_template.py. Output keys a task does not have are ignored, so the
# same call completes the second task too. (A task with a checklist needs
# its items checked off first: check_off.py.)
import json
import os

import requests

base_url = os.environ.get('PNEUMATIC_BASE_URL', 'https://api.pneumatic.app')
api_key = os.environ['PNEUMATIC_API_KEY']
headers = {
  'Authorization': f'Bearer {api_key}',
}

workflow_id = int(os.environ['WORKFLOW_ID'])
workflow = requests.get(f"{base_url}/workflows/{workflow_id}", headers=headers).json()

task_id = workflow['current_task']['id']
user_id = int(os.environ['USER_ID'])  # the user who completes the task (optional)

headers = {
  'Authorization': f'Bearer {api_key}',
  'Content-Type': 'application/json'
}

data_and_outputs = {
  'task_id': task_id,
  'user_id': user_id,
  'output': {
    'output-field-1': 'ACC-0001',
    'output-field-2': [int(v) for v in os.environ['OUTPUT_CHECKBOX_SELECTION_IDS'].split(',')],
    'output-field-3': int(os.environ['OUTPUT_RADIO_SELECTION_ID']),
  }
}
json_data = json.dumps(data_and_outputs)
r = requests.post(
  f'{base_url}/workflows/{workflow_id}/task-complete',
  headers=headers,
  data = json_data
)

assert r.status_code == 204, r.text
status = requests.get(f"{base_url}/workflows/{workflow_id}", headers=headers).json()['status']
print(f"completed task {task_id}; workflow status {status} (0 running, 1 done)")
print(f"WORKFLOW_STATUS={status}")
