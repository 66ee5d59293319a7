from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from supportdesk.views import healthz

urlpatterns = [
    path("", RedirectView.as_view(url="/contact/", permanent=False)),
    path("healthz/", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("desk/", include("tickets.urls_desk")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", include("tickets.api.urls")),
    path("intake/", include("channels_intake.urls")),
    path("sla/", include("sla.urls")),
    path("anymail/", include("channels_intake.email.anymail_urls")),
    path("escalation/", include("escalation.urls")),
    path("", include("escalation.urls_public")),
    path("chat/", include("channels_intake.chat.urls")),
    path("", include("tickets.urls_public")),
]
