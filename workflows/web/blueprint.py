"""The one blueprint every page of every journey is a rule of."""
from flask import Blueprint

bp = Blueprint("wizard", __name__)
