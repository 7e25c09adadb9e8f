# Templates: Get All Templates.
import os

import requests

base_url = os.environ.get('PNEUMATIC_BASE_URL', 'https://api.pneumatic.app')
api_key = os.environ['PNEUMATIC_API_KEY']
headers = {
  'Authorization': f'Bearer {api_key}'
}

r = requests.get(f'{base_url}/templates', headers=headers)

assert r.status_code == 200, r.text
data = r.json()
assert 'results' in data, data
for template in data['results']:
    print(template['id'], template['name'], 'active' if template['is_active'] else 'draft')
print(f"TEMPLATES_COUNT={data['count']}")
