# The article's client, verbatim: log in as Gokul (password 123) and print the token pair.
import requests
import json
url = "http://localhost:8000/api/token/"
payload = json.dumps({
"username": "Gokul",
"password": 123
})
headers = {
'Content-Type': 'application/json'
}
response = requests.request("POST", url, headers=headers, data=payload)
print(response.text)
