from rest_framework.pagination import PageNumberPagination as BasePagination


class PageNumberPagination(BasePagination):
    """``?page=`` and ``?page_size=`` (at most 500): a region's people fit in a few pages."""

    page_size_query_param = "page_size"
    max_page_size = 500
