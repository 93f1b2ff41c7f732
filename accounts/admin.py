from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from accounts.models import StaffRole, StudentProfile, User


class EmailUserCreationForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("email",)
        field_classes: dict = {}


class EmailUserChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"
        field_classes: dict = {}


class StudentProfileInline(admin.StackedInline):
    model = StudentProfile
    fk_name = "user"
    extra = 0
    max_num = 1
    raw_id_fields = ("programme",)


class StaffRoleInline(admin.TabularInline):
    model = StaffRole
    extra = 0


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = EmailUserChangeForm
    add_form = EmailUserCreationForm
    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "is_zone_coordinator", "is_staff", "is_superuser", "is_active")
    list_filter = (
        "is_zone_coordinator",
        "is_staff",
        "is_superuser",
        "is_active",
        "staff_roles__role",
        "staff_roles__institution",
        "student__home_institution",
    )
    search_fields = ("email", "first_name", "last_name", "student__student_number")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "preferred_language")}),
        (_("Roles"), {"fields": ("is_zone_coordinator",)}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "usable_password", "password1", "password2")}),)
    inlines = (StudentProfileInline, StaffRoleInline)

    def get_inlines(self, request, obj):
        # Roles and the student profile are added once the user exists, on the change page.
        return self.inlines if obj is not None else ()


@admin.register(StudentProfile)
class StudentProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "home_institution", "student_number", "programme", "is_actively_enrolled")
    list_filter = ("home_institution", "is_actively_enrolled", "programme__level")
    search_fields = ("user__email", "user__first_name", "user__last_name", "student_number")
    list_select_related = ("user", "home_institution", "programme__institution")
    autocomplete_fields = ("user",)
    raw_id_fields = ("programme",)


@admin.register(StaffRole)
class StaffRoleAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "institution")
    list_filter = ("role", "institution")
    search_fields = ("user__email", "user__first_name", "user__last_name", "institution__short_name")
    list_select_related = ("user", "institution")
    autocomplete_fields = ("user",)
