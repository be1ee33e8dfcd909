"""Settings classes read from the environment, chosen by name in ``create_app``."""

from config.settings import (
    BaseConfig,
    ConfigError,
    DevelopmentConfig,
    ProductionConfig,
    TestingConfig,
    config_for,
)

__all__ = [
    "BaseConfig",
    "ConfigError",
    "DevelopmentConfig",
    "ProductionConfig",
    "TestingConfig",
    "config_for",
]
