"""scimform: plan and apply the people in AWS IAM Identity Center from YAML in git."""

__version__ = "0.1.0"
