# Templates: Get a Specific Template. Prints the selection ids that
# run_workflow.py and complete_task.py need ("Retrieve a template to get
# these IDs").
import os

import requests

base_url = os.environ.get('PNEUMATIC_BASE_URL', 'https://api.pneumatic.app')
api_key = os.environ['PNEUMATIC_API_KEY']
headers = {
  'Authorization': f'Bearer {api_key}'
}
template_id = int(os.environ.get('TEMPLATE_ID', 1))

r = requests.get(f'{base_url}/templates/{template_id}', headers=headers)

assert r.status_code == 200, r.text
template = r.json()
assert 'kickoff' in template and 'tasks' in template, template
print(template['name'], '-', len(template['tasks']), 'tasks')


def selection_ids(fields, api_name):
    for field in fields:
        if field['api_name'] == api_name:
            return [s['id'] for s in field['selections']]
    return []


kickoff = template['kickoff']['fields']
task_fields = template['tasks'][0]['fields'] if template['tasks'] else []
ids = {
    'DROPDOWN_SELECTION_ID': selection_ids(kickoff, 'dropdown-field-3')[:1],
    'CHECKBOX_SELECTION_IDS': selection_ids(kickoff, 'checkbox-field-4'),
    'RADIO_SELECTION_ID': selection_ids(kickoff, 'radio-field-5')[:1],
    'OUTPUT_CHECKBOX_SELECTION_IDS': selection_ids(task_fields, 'output-field-2'),
    'OUTPUT_RADIO_SELECTION_ID': selection_ids(task_fields, 'output-field-3')[:1],
}
for name, values in ids.items():
    if values:
        print(f"{name}={','.join(str(v) for v in values)}")
