# Workflows: Get Workflows fields data.
import os

import requests

base_url = os.environ.get('PNEUMATIC_BASE_URL', 'https://api.pneumatic.app')
api_key = os.environ['PNEUMATIC_API_KEY']
headers = {
  'Authorization': f'Bearer {api_key}',
}

r = requests.get(
    f'{base_url}/workflows/fields',
    headers=headers,
    params={
      'template_id': int(os.environ.get('TEMPLATE_ID', 1)),
      'status': 'done',
      'fields': 'string-field-1,dropdown-field-3,output-field-1',
      'limit': 15,
      'offset': 0
    }
)

assert r.status_code == 200, r.text
data = r.json()
assert 'results' in data, data
for workflow in data['results']:
    print(workflow['name'], {f['api_name']: f['value'] for f in workflow['fields']})
print(f"DONE_WORKFLOWS={data['count']}")
