# Users: Get user list.
import os

import requests

base_url = os.environ.get('PNEUMATIC_BASE_URL', 'https://api.pneumatic.app')
api_key = os.environ['PNEUMATIC_API_KEY']
headers = {
  'Authorization': f'Bearer {api_key}'
}

r = requests.get(
  f'{base_url}/accounts/users?offset=0&limit=20',
  headers=headers,
)

assert r.status_code == 200, r.text
data = r.json()
assert data['count'] >= 1 and 'results' in data, data
for user in data['results']:
    print(user['id'], user['email'], user['status'])
