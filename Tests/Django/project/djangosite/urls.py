"""simplejwt's views at the article's paths (and authd's), plus the protected route."""

from django.urls import path
from rest_framework_simplejwt.views import (
    TokenBlacklistView,
    TokenObtainPairView,
    TokenObtainSlidingView,
    TokenRefreshSlidingView,
    TokenRefreshView,
    TokenVerifyView,
)

from api.views import MeView

urlpatterns = [
    path("api/token/", TokenObtainPairView.as_view()),
    path("api/token/refresh/", TokenRefreshView.as_view()),
    path("api/token/verify/", TokenVerifyView.as_view()),
    path("api/token/blacklist/", TokenBlacklistView.as_view()),
    path("api/token/sliding/", TokenObtainSlidingView.as_view()),
    path("api/token/sliding/refresh/", TokenRefreshSlidingView.as_view()),
    path("api/users/me/", MeView.as_view()),
]
