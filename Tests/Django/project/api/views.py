"""GET /api/users/me/: the protected view authd's /api/users/me/ stands in for."""

from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.authentication import JWTAuthentication


class MeView(APIView):
    authentication_classes = [JWTAuthentication]
    permission_classes = [IsAuthenticated]

    def get(self, request):
        # The key as Django holds it (an int, or a UUID that DRF renders as its string).
        return Response({"id": request.user.pk, "username": request.user.get_username()})
