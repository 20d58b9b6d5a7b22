"""Python SDK over the REST API."""

from shuliu.sdk.client import ApiError, Client, JobFailed

__all__ = ["ApiError", "Client", "JobFailed"]
