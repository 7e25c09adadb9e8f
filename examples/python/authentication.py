# The seed's "Authentication" example: any endpoint, with the key as a
# bearer token. Here: GET /accounts/user, the key's own user.
import os

import requests

base_url = os.environ.get('PNEUMATIC_BASE_URL', 'https://api.pneumatic.app')
api_key = os.environ['PNEUMATIC_API_KEY']
headers = { 'Authorization': f'Bearer {api_key}' }
response = requests.get(f'{base_url}/accounts/user', headers=headers)

assert response.status_code == 200, response.text
user = response.json()
assert 'email' in user, user
print(f"authenticated as {user['email']}")
print(f"USER_ID={user['id']}")
