"""Signing in."""

from django.contrib.auth import views as auth_views

# -- login -------------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    """Django's login (CSRF-protected). The lockout after repeated failures is the one every
    way in shares (config.security, django-axes)."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True
