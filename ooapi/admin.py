"""Admin for the OOAPI v5 provider: its clients (one institution each, with scopes) and what connected
systems reported about associations."""

from django import forms
from django.contrib import admin
from django.http import HttpResponse
from django.template import engines
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ooapi.models import AssociationResult, ProviderClient, WebhookEndpoint
from ooapi.provider.scopes import PROVIDER_SCOPES, READ
from ooapi.provider.services import provider_client_create
from ooapi.sync.admin import WebhookEndpointAdmin

CREATED_PAGE_TEMPLATE = """{% extends "admin/base_site.html" %}{% load i18n %}
{% block content %}
<h1>{% translate "OOAPI client created" %}</h1>
<p>{% blocktranslate %}Give these to the institution's system. The secret is stored hashed: this is the only
time it is shown.{% endblocktranslate %}</p>
<dl>
  <dt>{% translate "Institution" %}</dt><dd>{{ client.institution }}</dd>
  <dt>client_id</dt><dd><code>{{ client.application.client_id }}</code></dd>
  <dt>client_secret</dt><dd><code>{{ secret }}</code></dd>
  <dt>{% translate "Scopes" %}</dt><dd><code>{{ client.scopes }}</code></dd>
  <dt>{% translate "Token URL" %}</dt><dd><code>{{ token_url }}</code></dd>
</dl>
<p><a href="{{ change_url }}">{% translate "Continue" %}</a></p>
{% endblock %}"""

SCOPE_CHOICES = list(PROVIDER_SCOPES.items())


class ProviderClientAddForm(forms.ModelForm):
    name = forms.CharField(label=_("name"), required=False, help_text=_("Defaults to 'OOAPI <institution code>'."))
    scope_list = forms.MultipleChoiceField(
        label=_("scopes"), choices=SCOPE_CHOICES, initial=[READ], widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = ProviderClient
        fields = ["institution", "is_active"]


class ProviderClientChangeForm(forms.ModelForm):
    scope_list = forms.MultipleChoiceField(
        label=_("scopes"), choices=SCOPE_CHOICES, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = ProviderClient
        fields = ["is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope_list"].initial = self.instance.scope_list

    def save(self, commit=True):
        self.instance.scopes = " ".join(self.cleaned_data["scope_list"])
        return super().save(commit)


@admin.register(ProviderClient)
class ProviderClientAdmin(admin.ModelAdmin):
    list_display = ("__str__", "institution", "client_id", "scopes", "is_active", "created_at")
    list_select_related = ("institution", "application")
    list_filter = ("is_active", "institution")
    search_fields = ("application__name", "application__client_id", "institution__code", "institution__short_name")

    @admin.display(description=_("client id"))
    def client_id(self, obj: ProviderClient) -> str:
        return obj.application.client_id

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = ProviderClientChangeForm if obj else ProviderClientAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["institution", "name", "scope_list", "is_active"]
        return ["client_id", "institution", "scope_list", "is_active", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        return ["client_id", "institution", "created_at"] if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        # Created by the service, which makes the OAuth2 application and returns the secret once.
        created, secret = provider_client_create(
            institution=form.cleaned_data["institution"],
            scopes=form.cleaned_data["scope_list"],
            name=form.cleaned_data["name"],
        )
        if not form.cleaned_data["is_active"]:
            created.is_active = False
            created.save(update_fields=["is_active"])
        obj.pk = created.pk
        obj.refresh_from_db()
        request._ooapi_client_secret = secret

    def response_add(self, request, obj, post_url_continue=None):
        context = {
            **self.admin_site.each_context(request),
            "title": _("OOAPI client created"),
            "client": obj,
            "secret": request._ooapi_client_secret,
            "token_url": request.build_absolute_uri(reverse("oauth2_provider:token")),
            "change_url": reverse("admin:ooapi_providerclient_change", args=[obj.pk]),
        }
        response = HttpResponse(engines["django"].from_string(CREATED_PAGE_TEMPLATE).render(context, request))
        response["Cache-Control"] = "no-store"
        return response


@admin.register(AssociationResult)
class AssociationResultAdmin(admin.ModelAdmin):
    list_display = ("request", "institution", "remote_state", "updated_by", "updated_at")
    list_select_related = ("request", "institution", "updated_by__application", "updated_by__institution")
    list_filter = ("remote_state", "institution")
    search_fields = ("request__public_id",)
    readonly_fields = ("request", "institution", "remote_state", "result", "updated_by", "updated_at")

    def has_add_permission(self, request):
        return False


admin.site.register(WebhookEndpoint, WebhookEndpointAdmin)
