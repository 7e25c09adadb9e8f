# Not one of the seed's examples: checks off every checklist item of a task
# (POST /v2/tasks/checklists/{id}/mark), which a task with a checklist needs
# before complete_task.py can complete it.
import json
import os

import requests

base_url = os.environ.get('PNEUMATIC_BASE_URL', 'https://api.pneumatic.app')
api_key = os.environ['PNEUMATIC_API_KEY']
task_id = int(os.environ['TASK_ID'])
headers = {
  'Authorization': f'Bearer {api_key}',
  'Content-Type': 'application/json'
}

task = requests.get(f'{base_url}/v2/tasks/{task_id}', headers=headers).json()
for checklist in task['checklists']:
    for item in checklist['selections']:
        r = requests.post(f"{base_url}/v2/tasks/checklists/{checklist['id']}/mark", headers=headers,
                          data=json.dumps({'selection_id': item['id']}))
        assert r.status_code == 200, r.text
        print('checked off:', item['value'])
