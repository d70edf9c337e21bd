"""The portal's pages: public, citizens' own, staff work under /work/ and the data dashboards under /data/."""

from django.urls import include, path

from liuyan.web.views import accounts, citizen, public, staff, workspace

app_name = "web"

urlpatterns = [
    # Public
    path("", public.home, name="home"),
    path("boards/", public.boards, name="boards"),
    path("messages/", public.message_list, name="message_list"),
    path("messages/<str:number>/", public.message_page, name="message"),
    # Citizens
    path("write/", citizen.choose_board, name="write"),
    path("write/<str:board>/", citizen.write, name="write_to"),
    path("write-done/<str:number>/", citizen.write_done, name="write_done"),
    path("track/", citizen.track, name="track"),
    path("track/<str:number>/", citizen.tracked, name="tracked"),
    path("me/messages/", citizen.my_messages, name="my_messages"),
    path("me/notifications/", citizen.notifications, name="notifications"),
    path("me/notifications/<int:notification_id>/read/", citizen.mark_read, name="mark_read"),
    # Acting on a message: staff from the workspace, citizens from their message page or after tracking
    path("act/<str:number>/<str:action>/", workspace.act, name="act"),
    # Accounts and preferences
    path("accounts/login/", accounts.login_view, name="login"),
    path("accounts/logout/", accounts.logout_view, name="logout"),
    path("accounts/register/", accounts.register_view, name="register"),
    path("prefs/care/", accounts.toggle_care, name="care"),
    # Staff
    path("work/", staff.work_home, name="work_home"),
    path("work/review/", staff.review_queue, name="review_queue"),
    path("work/dispatch/", staff.dispatch_queue, name="dispatch_queue"),
    path("work/dispatch/bulk/", staff.bulk_dispatch, name="bulk_dispatch"),
    path("work/inbox/", staff.unit_inbox, name="unit_inbox"),
    path("work/requests/", staff.requests, name="requests"),
    path("work/supervision/", staff.supervision, name="supervision"),
    path("work/supervision/units/", staff.scorecards, name="scorecards"),
    path("work/m/<str:number>/", workspace.workspace, name="workspace"),
    # Governance dashboards (数据分析) for analysts, supervisors and admins
    path("data/", include("liuyan.dashboards.urls")),
]
