# Templates: Create a new template. The seed's template_info lists every key
# with its type; here each one has a real value (the typos of the seed's
# listing fixed: "selecions" is "selections", "default:" is "default").
import json
import os

import requests

base_url = os.environ.get('PNEUMATIC_BASE_URL', 'https://api.pneumatic.app')
api_key = os.environ['PNEUMATIC_API_KEY']
user_id = int(os.environ['USER_ID'])  # template owner, and the user field's default performer

headers = {
  'Authorization': f'Bearer {api_key}',
  'Content-Type': 'application/json'
}

template_info = {
  "name": "Client onboarding",
  "description": "From signed deal to first invoice.",
  "template_owners": [user_id],
  "is_active": True,
  "is_public": False,
  "public_url": None,             # read only: ignored on input
  "public_success_url": None,
  "is_embedded": False,
  "embed_url": None,              # read only: ignored on input
  "finalizable": True,
  "kickoff": {
    "description": "Tell us about the client.",
    "fields": [
      {"api_name": "string-field-1", "order": 1, "name": "Client name", "type": "string",
       "is_required": True, "description": "The company", "default": ""},
      {"api_name": "text-field-2", "order": 2, "name": "Notes", "type": "text"},
      {"api_name": "dropdown-field-3", "order": 3, "name": "Plan", "type": "dropdown",
       "selections": [{"value": "Basic"}, {"value": "Pro"}]},
      {"api_name": "checkbox-field-4", "order": 4, "name": "Extras", "type": "checkbox",
       "selections": [{"value": "Support"}, {"value": "Training"}]},
      {"api_name": "radio-field-5", "order": 5, "name": "Size", "type": "radio",
       "selections": [{"value": "Small"}, {"value": "Large"}]},
      {"api_name": "date-field-6", "order": 6, "name": "Start date", "type": "date"},
      {"api_name": "file-field-7", "order": 7, "name": "Contract", "type": "file"},
      {"api_name": "url-field-8", "order": 8, "name": "Web site", "type": "url"},
      {"api_name": "user-field-9", "order": 9, "name": "Account manager", "type": "user",
       "is_required": True},
    ]
  },
  "tasks": [
    {
      "api_name": "task-1",
      "number": 1,
      "name": "Prepare the account of {{string-field-1}}",
      "description": "Plan: {{dropdown-field-3}}. Notes: {{text-field-2}}",
      "require_completion_by_all": False,
      "delay": None,
      "raw_due_date": {
          "api_name": "due-date-1",
          "duration": "1 00:00:00",
          "duration_months": 0,
          "rule": "after task started",
          "source_id": "task-1"
      },
      "raw_performers": [
        {"type": "field", "source_id": "user-field-9"},
        {"type": "workflow_starter", "source_id": None},
      ],
      "checklists": [
        {
          "api_name": "checklist-1",
          "selections": [
            {"api_name": "checklist-item-1", "value": "Create the account for {{string-field-1}}"}
          ]
        }
      ],
      "fields": [
        {"api_name": "output-field-1", "order": 1, "name": "Account number", "type": "string",
         "is_required": True},
        {"api_name": "output-field-2", "order": 2, "name": "Documents sent", "type": "checkbox",
         "selections": [{"value": "Welcome pack"}, {"value": "Invoice"}]},
        {"api_name": "output-field-3", "order": 3, "name": "Kick-off call needed", "type": "radio",
         "is_required": True,
         "selections": [{"api_name": "call-yes", "value": "Yes"}, {"api_name": "call-no", "value": "No"}]},
      ],
    },
    {
      "api_name": "task-2",
      "number": 2,
      "name": "Kick-off call with {{string-field-1}}",
      "raw_performers": [{"type": "workflow_starter", "source_id": None}],
      "conditions": [
        {
          "action": "skip_task",
          "order": 1,
          "api_name": "condition-1",
          "rules": [
            {
              "api_name": "rule-1",
              "predicates": [
                {
                  "field_type": "radio",
                  "value": "call-no",
                  "api_name": "predicate-1",
                  "field": "output-field-3",
                  "operator": "equals"
                }
              ]
            }
          ]
        }
      ]
    }
  ]
}

json_data = json.dumps(template_info)
r = requests.post(
    f'{base_url}/templates',
    headers=headers,
    data=json_data,
)

assert r.status_code == 200, r.text
template = r.json()
assert template['is_active'] and len(template['tasks']) == 2, template
print(f"TEMPLATE_ID={template['id']}")
