"""Flask extensions, created unbound here and bound to the app in `create_app`."""

from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names, so migrations can name what they alter on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Defaults under any SQLALCHEMY_ENGINE_OPTIONS: a pooled connection is checked before use, so
# the app carries on by itself after PostgreSQL restarts; and no statement's parameters (a
# password hash, a token's digest, an e-mail) are ever written into an error or a log line.
db = SQLAlchemy(model_class=Base, engine_options={"pool_pre_ping": True, "hide_parameters": True})
migrate = Migrate(compare_type=True, render_as_batch=True)
csrf = CSRFProtect()
compress = Compress()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=False)
