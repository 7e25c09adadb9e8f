# Templates: Upload file for attachment. The seed's payload placeholder is a
# real (1x1 PNG) file here, and size is its length: the upload must be
# exactly the declared size.
import base64
import json
import os

import requests

base_url = os.environ.get('PNEUMATIC_BASE_URL', 'https://api.pneumatic.app')
api_key = os.environ['PNEUMATIC_API_KEY']
payload = base64.b64decode(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==')

content_type = 'image/png'
headers = {
  'Authorization': f'Bearer {api_key}',
  'Content-Type': 'application/json',
}
file_info = json.dumps({
   'filename': 'pic.png',
   'thumbnail': True,
   'content_type': content_type,
   'size': len(payload)
})

attachment_info = requests.post(
    f'{base_url}/workflows/attachments',
    headers=headers,
    data=file_info,
).json()
assert 'file_upload_url' in attachment_info, attachment_info

r = requests.put(
    attachment_info['file_upload_url'],
    data=payload,
    headers={'Content-Type': content_type},
)
assert r.status_code == 200, r.text

# thumbnail=True also gave a thumbnail URL; a real client would send a
# smaller picture there.
if attachment_info.get('thumbnail_upload_url'):
    r = requests.put(
        attachment_info['thumbnail_upload_url'],
        data=payload,
        headers={'Content-Type': content_type},
    )
    assert r.status_code == 200, r.text

print(f"ATTACHMENT_ID={attachment_info['id']}")
