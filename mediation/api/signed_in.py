"""The request of a view that requires a signed-in caller (DRF's IsAuthenticated, the
default permission): for the type checker its user is a `User`, never anonymous."""

from django.contrib.auth.models import User
from rest_framework.request import Request


class SignedInRequest(Request):
    """Annotation only: views receive DRF's Request; IsAuthenticated ran before them."""

    user: User  # a property on Request, narrowed for these views
