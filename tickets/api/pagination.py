"""Pages of API results: ?page=N, and ?page_size=N up to a bound so one request stays cheap."""

from __future__ import annotations

from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 100
