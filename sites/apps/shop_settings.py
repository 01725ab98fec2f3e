"""django-oscar's storefront and dashboard (WebArena's "shopping" and "shopping_admin")."""

from __future__ import annotations

from oscar.defaults import *  # noqa: F403

from palaestra.sites.apps.common import *  # noqa: F403
from palaestra.sites.apps.common import BUILDING, EPISODE_MIDDLEWARE, SITE, search_connection

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.flatpages",
    "oscar.config.Shop",
    "oscar.apps.analytics.apps.AnalyticsConfig",
    "oscar.apps.checkout.apps.CheckoutConfig",
    "oscar.apps.address.apps.AddressConfig",
    "oscar.apps.shipping.apps.ShippingConfig",
    "oscar.apps.catalogue.apps.CatalogueConfig",
    "oscar.apps.catalogue.reviews.apps.CatalogueReviewsConfig",
    "oscar.apps.communication.apps.CommunicationConfig",
    "oscar.apps.partner.apps.PartnerConfig",
    "oscar.apps.basket.apps.BasketConfig",
    "oscar.apps.payment.apps.PaymentConfig",
    "oscar.apps.offer.apps.OfferConfig",
    "oscar.apps.order.apps.OrderConfig",
    "oscar.apps.customer.apps.CustomerConfig",
    "oscar.apps.search.apps.SearchConfig",
    "oscar.apps.voucher.apps.VoucherConfig",
    "oscar.apps.wishlists.apps.WishlistsConfig",
    "oscar.apps.dashboard.apps.DashboardConfig",
    "oscar.apps.dashboard.reports.apps.ReportsDashboardConfig",
    "oscar.apps.dashboard.users.apps.UsersDashboardConfig",
    "oscar.apps.dashboard.orders.apps.OrdersDashboardConfig",
    "oscar.apps.dashboard.catalogue.apps.CatalogueDashboardConfig",
    "oscar.apps.dashboard.offers.apps.OffersDashboardConfig",
    "oscar.apps.dashboard.partners.apps.PartnersDashboardConfig",
    "oscar.apps.dashboard.pages.apps.PagesDashboardConfig",
    "oscar.apps.dashboard.ranges.apps.RangesDashboardConfig",
    "oscar.apps.dashboard.reviews.apps.ReviewsDashboardConfig",
    "oscar.apps.dashboard.vouchers.apps.VouchersDashboardConfig",
    "oscar.apps.dashboard.communications.apps.CommunicationsDashboardConfig",
    "oscar.apps.dashboard.shipping.apps.ShippingDashboardConfig",
    "widget_tweaks",
    "haystack",
    "treebeard",
    "django_tables2",
]

MIDDLEWARE = [
    EPISODE_MIDDLEWARE,
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "oscar.apps.basket.middleware.BasketMiddleware",
    "django.contrib.flatpages.middleware.FlatpageFallbackMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.template.context_processors.i18n",
                "django.contrib.messages.context_processors.messages",
                "oscar.apps.search.context_processors.search_form",
                "oscar.apps.checkout.context_processors.checkout",
                "oscar.apps.communication.notifications.context_processors.notifications",
                "oscar.core.context_processors.metadata",
            ],
        },
    }
]

AUTHENTICATION_BACKENDS = [
    "oscar.apps.customer.auth_backends.EmailBackend",
    "django.contrib.auth.backends.ModelBackend",
]
ROOT_URLCONF = "palaestra.sites.apps.shop_urls"
SITE_ID = 1
LOGIN_REDIRECT_URL = "/dashboard/" if SITE == "shop-admin" else "/accounts/"
HAYSTACK_CONNECTIONS = search_connection()
# Saves in the dashboard reach search at once (each episode writes its own copy of the index).
HAYSTACK_SIGNAL_PROCESSOR = (
    "haystack.signals.BaseSignalProcessor" if BUILDING else "haystack.signals.RealtimeSignalProcessor"
)

OSCAR_SHOP_NAME = "Lumen & Larder"
OSCAR_SHOP_TAGLINE = "Home, kitchen, garden and more"
OSCAR_DEFAULT_CURRENCY = "USD"
OSCAR_THUMBNAILER = "palaestra.sites.apps.shop_urls.OriginalImage"
OSCAR_ALLOW_ANON_CHECKOUT = False
OSCAR_SEND_REGISTRATION_EMAIL = False
OSCAR_EAGER_ALERTS = False
#: As Magento's default grid (WebArena's shop): smaller pages render faster and read shorter.
OSCAR_PRODUCTS_PER_PAGE = 12
#: Search results filter by rating and price. Not by product type: Haystack's Whoosh backend facets
#: on the stemmed words of a type's name, so the filter read "kitchenwar", "electron", "good".
OSCAR_SEARCH_FACETS = {
    **OSCAR_SEARCH_FACETS,  # type: ignore[has-type]  # noqa: F405
    "fields": {k: v for k, v in OSCAR_SEARCH_FACETS["fields"].items() if k != "product_class"},  # type: ignore[has-type]  # noqa: F405
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

_PIPELINE = {
    "Pending": ("Processing", "Cancelled"),
    "Processing": ("Shipped", "Cancelled"),
    "Shipped": ("Complete",),
    "Complete": (),
    "Cancelled": (),
}
OSCAR_INITIAL_ORDER_STATUS = OSCAR_INITIAL_LINE_STATUS = "Pending"
OSCAR_ORDER_STATUS_PIPELINE = OSCAR_LINE_STATUS_PIPELINE = _PIPELINE
