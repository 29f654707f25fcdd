"""Writes a Flask-User 1.0 database with Flask-User's own code: the data
model of its documentation (users, roles, user_roles and, with
"multiple_emails", user_emails), each password hashed by Flask-User's
user_manager.hash_password (passlib bcrypt, as Flask-User apps store them).

Reads a JSON spec on standard input:
  {"url": "<SQLAlchemy URL>", "multiple_emails": false,
   "users": [{"username": "ann", "email": "ann@example.com", "password": "...",
              "roles": ["admin"], "active": true, "confirmed": true,
              "other_emails": ["ann@work.example"]}]}
Run with the Flask-User virtualenv's Python (scripts/services.sh makes it)."""

import datetime
import json
import sys
import warnings

from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from flask_user import UserManager, UserMixin

warnings.simplefilter("ignore")
spec = json.load(sys.stdin)
multiple = spec.get("multiple_emails", False)

app = Flask(__name__)
app.config.update(
    SECRET_KEY="flask-user-test-secret-key-32-bytes!",
    SQLALCHEMY_DATABASE_URI=spec["url"],
    USER_EMAIL_SENDER_EMAIL="noreply@example.com",
    USER_ENABLE_MULTIPLE_EMAILS=multiple,
)
db = SQLAlchemy(app)


class Role(db.Model):
    __tablename__ = "roles"
    id = db.Column(db.Integer(), primary_key=True)
    name = db.Column(db.String(50), unique=True)


class UserRoles(db.Model):
    __tablename__ = "user_roles"
    id = db.Column(db.Integer(), primary_key=True)
    user_id = db.Column(db.Integer(), db.ForeignKey("users.id", ondelete="CASCADE"))
    role_id = db.Column(db.Integer(), db.ForeignKey("roles.id", ondelete="CASCADE"))


if multiple:

    class User(db.Model, UserMixin):
        __tablename__ = "users"
        id = db.Column(db.Integer, primary_key=True)
        active = db.Column("is_active", db.Boolean(), nullable=False, server_default="1")
        username = db.Column(db.String(100), nullable=False, unique=True)
        password = db.Column(db.String(255), nullable=False, server_default="")
        first_name = db.Column(db.String(100), nullable=False, server_default="")
        roles = db.relationship("Role", secondary="user_roles")
        user_emails = db.relationship("UserEmail", back_populates="user")

    class UserEmail(db.Model):
        __tablename__ = "user_emails"
        id = db.Column(db.Integer, primary_key=True)
        user_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="CASCADE"))
        email = db.Column(db.String(255), nullable=False, unique=True)
        email_confirmed_at = db.Column(db.DateTime())
        is_primary = db.Column(db.Boolean(), nullable=False, server_default="0")
        user = db.relationship("User", uselist=False, back_populates="user_emails")

    user_manager = UserManager(app, db, User, UserEmailClass=UserEmail)
else:

    class User(db.Model, UserMixin):
        __tablename__ = "users"
        id = db.Column(db.Integer, primary_key=True)
        active = db.Column("active", db.Boolean(), nullable=False, server_default="1")
        username = db.Column(db.String(100), nullable=False, unique=True)
        email = db.Column(db.String(255), nullable=False, unique=True)
        email_confirmed_at = db.Column(db.DateTime())
        password = db.Column(db.String(255), nullable=False, server_default="")
        roles = db.relationship("Role", secondary="user_roles")

    user_manager = UserManager(app, db, User)

now = datetime.datetime.utcnow().replace(microsecond=0)
with app.app_context():
    db.create_all()
    roles = {}
    for spec_user in spec["users"]:
        user = User(
            username=spec_user["username"],
            password=user_manager.hash_password(spec_user["password"]),
            active=spec_user.get("active", True),
        )
        confirmed = now if spec_user.get("confirmed", True) else None
        for name in spec_user.get("roles", []):
            roles.setdefault(name, Role(name=name))
            user.roles.append(roles[name])
        if multiple:
            db.session.add(user)
            db.session.add(UserEmail(user=user, email=spec_user["email"], is_primary=True,
                                     email_confirmed_at=confirmed))
            for other in spec_user.get("other_emails", []):
                db.session.add(UserEmail(user=user, email=other, is_primary=False,
                                         email_confirmed_at=confirmed))
        else:
            user.email = spec_user["email"]
            user.email_confirmed_at = confirmed
            db.session.add(user)
    db.session.commit()
print(int(now.replace(tzinfo=datetime.timezone.utc).timestamp()))
