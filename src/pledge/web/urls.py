"""Public URLs. A policy with accounts gets the shop; one without gets the information site."""

from django.conf import settings
from django.urls import path

from pledge.web.views import account, pages, rights, shop

app_name = "web"
urlpatterns = [
    path("", pages.home, name="home"),
    path("privacy/", pages.privacy, name="privacy"),
    path("contact/", pages.contact, name="contact"),
]

if settings.POLICY.accounts.registration:
    urlpatterns += [
        path("shop/", shop.catalogue, name="catalogue"),
        path("shop/<slug:slug>/", shop.product, name="product"),
        path("shop/<slug:slug>/add/", shop.basket_add, name="basket-add"),
        path("basket/", shop.basket, name="basket"),
        path("checkout/", shop.checkout, name="checkout"),
        path("orders/<str:reference>/", shop.order, name="order"),
        path("payment/<str:token>/", shop.provider, name="provider"),
        path("account/", account.account, name="account"),
        path("account/register/", account.register, name="register"),
        path("account/check-email/", account.check_email, name="check-email"),
        path("account/activate/<str:uidb64>/<str:token>/", account.activate, name="activate"),
        path("account/sign-in/", account.sign_in, name="sign-in"),
        path("account/sign-out/", account.sign_out, name="sign-out"),
        path("account/password-reset/", account.password_reset, name="password-reset"),
        path(
            "account/password-reset/<str:uidb64>/<str:token>/",
            account.password_reset_confirm,
            name="password-reset-confirm",
        ),
        path("account/close/", account.close, name="close"),
    ]
else:
    urlpatterns += [
        path("services/", pages.services, name="services"),
        path("ordering/", pages.ordering, name="ordering"),
    ]

if not settings.POLICY.rights.in_writing_only:
    urlpatterns += [
        path("rights/", rights.start, name="rights"),
        path("rights/sent/", rights.sent, name="rights-sent"),
        path("rights/verify/<uuid:request_id>/<str:token>/", rights.verify, name="rights-verify"),
        path("rights/<uuid:request_id>/access/", rights.access, name="rights-access"),
        path("rights/<uuid:request_id>/download/", rights.download, name="rights-download"),
        path("rights/<uuid:request_id>/rectify/", rights.rectify, name="rights-rectify"),
    ]
