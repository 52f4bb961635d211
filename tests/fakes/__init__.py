"""In-process fakes of the chat platforms' HTTP APIs for end-to-end tests."""
