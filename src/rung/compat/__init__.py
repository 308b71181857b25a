"""Objectives written for other libraries, run by rung unchanged."""
