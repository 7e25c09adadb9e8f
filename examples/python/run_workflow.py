# Workflows: Launch a Workflow Based on Specific Template. The kickoff keys
# are the api_names create_template.py gave; selection ids come from
# get_template.py (the seed: "Retrieve a template to get these IDs").
import json
import os

import requests

base_url = os.environ.get('PNEUMATIC_BASE_URL', 'https://api.pneumatic.app')
api_key = os.environ['PNEUMATIC_API_KEY']
headers = {
  'Authorization': f'Bearer {api_key}',
  'Content-Type': 'application/json'
}
template_id = int(os.environ.get('TEMPLATE_ID', 1))
ids = lambda name: [int(v) for v in os.environ[name].split(',')]
workflow_info = {
  "id": template_id,
  "name": "Onboarding of {{string-field-1}}",
  "kickoff": {  # nullable
    "string-field-1": "ACME Corp",
    "text-field-2": "Signed on the phone",
    "dropdown-field-3": ids('DROPDOWN_SELECTION_ID')[0],
    "checkbox-field-4": ids('CHECKBOX_SELECTION_IDS'),
    "radio-field-5": ids('RADIO_SELECTION_ID')[0],
    "date-field-6": "2026-12-01T09:00:00Z",
    "file-field-7": ids('ATTACHMENT_ID'),
    "url-field-8": "https://acme.example.com/",
    "user-field-9": int(os.environ['USER_ID'])  # user id
  }
}

json_data = json.dumps(workflow_info)
r = requests.post(
    f'{base_url}/templates/{template_id}/run',
    headers=headers,
    data=json_data,
)

assert r.status_code == 200, r.text
assert 'workflow_id' in r.json(), r.json()
print(r.json()['name'])
print(f"WORKFLOW_ID={r.json()['workflow_id']}")
