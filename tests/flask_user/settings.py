"""Prints Flask-User 1.0's own default settings, read from its source, as
one JSON object {"USER_APP_NAME": "USER_APP_NAME", ...}: every USER_* key
of UserManager__Settings, the class Flask-User's init_app reads app.config
against. Run with the Flask-User virtualenv's Python."""

import json

from flask_user.user_manager__settings import UserManager__Settings

settings = {
    name: value
    for name, value in vars(UserManager__Settings).items()
    if name.startswith("USER_")
}
print(json.dumps(settings, sort_keys=True))
