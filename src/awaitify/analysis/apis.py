"""What awaitify knows about third-party and standard-library APIs.

* blocking functions (``time.sleep``) and blocking methods of known types
  (``requests.Session.get``, a sync SQLAlchemy ``Session.query``);
* coroutine functions and coroutine methods (``asyncio.sleep``, ``AsyncSession.execute``);
* constructors and factories, so the type of ``db`` in ``with SessionLocal() as db`` or of
  ``self.http = httpx.Client()`` is known;
* bridges and off-loop wrappers.

Types are canonical dotted names. Aliases of the same class (``sqlalchemy.orm.Session``,
``sqlalchemy.orm.session.Session``) map to one name through :data:`TYPE_ALIASES`.
"""

from __future__ import annotations

import re

# -- types ------------------------------------------------------------------------------
SYNC_SESSION = "sqlalchemy.orm.Session"
THREAD_LOCK = "threading.Lock"
#: taking a thread lock: never moved to a thread (released on another, see ``migrate``)
LOCK_ACQUIRES = frozenset({"threading.Lock.acquire", "threading.RLock.acquire"})
ASYNC_SESSION = "sqlalchemy.ext.asyncio.AsyncSession"
#: Django's ORM: a model, its managers (``Book.objects``) and their querysets. Outside a
#: thread, each of their methods that runs a query raises ``SynchronousOnlyOperation`` in
#: ``async def``; Django 4.1+ has an ``a``-prefixed coroutine twin of each (``aget``)
DJANGO_MODEL = "django.db.models.Model"
DJANGO_MANAGER = "django.db.models.Manager"
DJANGO_QUERYSET = "django.db.models.QuerySet"
#: a boto3 client (``boto3.client("s3")``): each API method is an HTTP request
BOTO3_CLIENT = "botocore.client.BaseClient"
REDIS_PIPELINE = "redis.client.Pipeline"
#: the sync Elasticsearch client (``AsyncElasticsearch`` is the async one)
ELASTICSEARCH = "elasticsearch.Elasticsearch"
#: psycopg 3's sync connection and cursor (``psycopg.AsyncConnection`` is the async one)
PSYCOPG_CONNECTION = "psycopg.Connection"
PSYCOPG_CURSOR = "psycopg.Cursor"
#: psycopg 3's sync connection pool: ``connection()`` waits for a pooled connection
PSYCOPG_POOL = "psycopg_pool.ConnectionPool"
#: a thread-safe queue (``queue.Queue``) and a process queue (``multiprocessing.Queue``):
#: ``get()`` waits for an item (``asyncio.Queue`` is the coroutine one)
THREAD_QUEUE = "queue.Queue"
PROCESS_QUEUE = "multiprocessing.Queue"
#: a thread or process pool of ``concurrent.futures``, and the future its ``submit`` gives:
#: ``.result()`` waits for the job (``run_coroutine_threadsafe(...).result()`` is ASY103's)
EXECUTOR = "concurrent.futures.Executor"
THREAD_FUTURE = "concurrent.futures.Future"
SSL_CONTEXT = "ssl.SSLContext"
#: functools' decorators that keep a function's result: its body runs on the first call only
FUNCTOOLS_CACHES = frozenset({"functools.cache", "functools.lru_cache", "cache", "lru_cache"})
#: the managers Django gives every model class
DJANGO_MANAGER_ATTRIBUTES = frozenset({"objects", "_default_manager", "_base_manager"})

#: types whose methods only a project that imports the library can call: their method names
#: (``count``, ``first``, ``save``) are classified up front only in such a project
LIBRARY_OF: dict[str, str] = {
    DJANGO_MODEL: "django",
    DJANGO_MANAGER: "django",
    DJANGO_QUERYSET: "django",
    BOTO3_CLIENT: "boto3",  # or ``botocore`` (see ``LIBRARY_ALSO``)
    ELASTICSEARCH: "elasticsearch",
    REDIS_PIPELINE: "redis",
    PSYCOPG_CONNECTION: "psycopg",
    PSYCOPG_CURSOR: "psycopg",
    PSYCOPG_POOL: "psycopg_pool",
    THREAD_QUEUE: "queue",
    PROCESS_QUEUE: "multiprocessing",
    "threading.Thread": "threading",
    "threading.Event": "threading",
    "threading.Condition": "threading",
    "zipfile.ZipFile": "zipfile",
    "threading.Barrier": "threading",
    SSL_CONTEXT: "ssl",
    "multiprocessing.Process": "multiprocessing",
    EXECUTOR: "concurrent",
    # their method names (``add``, ``pop``, ``search``) are everywhere: only where imported
    "mailbox.Mailbox": "mailbox",
    "imaplib.IMAP4": "imaplib",
    "poplib.POP3": "poplib",
}

#: other top-level packages that give the same library's objects: a project that only
#: annotates ``s3: botocore.client.BaseClient`` and is handed the client (slack_sdk)
LIBRARY_ALSO: dict[str, tuple[str, ...]] = {"boto3": ("botocore",)}

TYPE_ALIASES: dict[str, str] = {
    "sqlalchemy.orm.session.Session": SYNC_SESSION,
    "sqlalchemy.orm.scoping.scoped_session": SYNC_SESSION,
    "sqlalchemy.orm.scoped_session": SYNC_SESSION,
    "sqlmodel.Session": SYNC_SESSION,
    "sqlmodel.orm.session.Session": SYNC_SESSION,
    "flask_sqlalchemy.SQLAlchemy.session": SYNC_SESSION,
    "sqlalchemy.ext.asyncio.session.AsyncSession": ASYNC_SESSION,
    "sqlalchemy.ext.asyncio.async_scoped_session": ASYNC_SESSION,
    "sqlmodel.ext.asyncio.session.AsyncSession": ASYNC_SESSION,
    "redis.StrictRedis": "redis.Redis",
    "redis.client.Redis": "redis.Redis",
    "redis.client.StrictRedis": "redis.Redis",
    "redis.asyncio.client.Redis": "redis.asyncio.Redis",
    "redis.asyncio.StrictRedis": "redis.asyncio.Redis",
    "requests.sessions.Session": "requests.Session",
    "httpx._client.Client": "httpx.Client",
    "httpx._client.AsyncClient": "httpx.AsyncClient",
    "httpx2._client.Client": "httpx2.Client",  # httpx's successor (huggingface_hub), same API
    "httpx2._client.AsyncClient": "httpx2.AsyncClient",
    "sqlalchemy.engine.base.Engine": "sqlalchemy.engine.Engine",
    "sqlalchemy.Engine": "sqlalchemy.engine.Engine",
    "sqlalchemy.engine.base.Connection": "sqlalchemy.engine.Connection",
    "sqlalchemy.Connection": "sqlalchemy.engine.Connection",
    "pathlib.PosixPath": "pathlib.Path",
    "pathlib.WindowsPath": "pathlib.Path",
    "http.client.HTTPSConnection": "http.client.HTTPConnection",
    "threading.Semaphore": "threading.Lock",
    "threading.BoundedSemaphore": "threading.Lock",
    "socket.SocketType": "socket.socket",
    "psycopg2.extensions.connection": "psycopg2.connection",
    "psycopg2.extensions.cursor": "psycopg2.cursor",
    "boto3.session.Session": "boto3.Session",
    "elasticsearch.client.Elasticsearch": ELASTICSEARCH,
    "psycopg.connection.Connection": PSYCOPG_CONNECTION,
    "psycopg.cursor.Cursor": PSYCOPG_CURSOR,
    "psycopg_pool.pool.ConnectionPool": PSYCOPG_POOL,
    "queue.LifoQueue": THREAD_QUEUE,
    "queue.PriorityQueue": THREAD_QUEUE,
    "queue.SimpleQueue": THREAD_QUEUE,
    "multiprocessing.queues.Queue": PROCESS_QUEUE,
    "multiprocessing.queues.JoinableQueue": PROCESS_QUEUE,
    "multiprocessing.JoinableQueue": PROCESS_QUEUE,
    "concurrent.futures.thread.ThreadPoolExecutor": EXECUTOR,
    "concurrent.futures.process.ProcessPoolExecutor": EXECUTOR,
    "concurrent.futures.ThreadPoolExecutor": EXECUTOR,
    "concurrent.futures.ProcessPoolExecutor": EXECUTOR,
    "concurrent.futures._base.Executor": EXECUTOR,
    "concurrent.futures._base.Future": THREAD_FUTURE,
    "threading._Event": "threading.Event",
    "multiprocessing.context.Process": "multiprocessing.Process",
    "django.db.models.base.Model": DJANGO_MODEL,
    "django.db.models.manager.Manager": DJANGO_MANAGER,
    "django.db.models.manager.BaseManager": DJANGO_MANAGER,
    "django.db.models.query.QuerySet": DJANGO_QUERYSET,
}

#: calling this produces an instance of the type (constructors and factory functions)
CONSTRUCTS: dict[str, str] = {
    "ssl.create_default_context": SSL_CONTEXT,
    "ssl.SSLContext": SSL_CONTEXT,
    "requests.Session": "requests.Session",
    "requests.session": "requests.Session",
    "httpx.Client": "httpx.Client",
    "httpx.AsyncClient": "httpx.AsyncClient",
    "httpx2.Client": "httpx2.Client",
    "httpx2.AsyncClient": "httpx2.AsyncClient",
    "redis.Redis": "redis.Redis",
    "redis.from_url": "redis.Redis",
    "redis.Redis.from_url": "redis.Redis",
    "redis.StrictRedis.from_url": "redis.Redis",
    "redis.asyncio.Redis": "redis.asyncio.Redis",
    "redis.asyncio.from_url": "redis.asyncio.Redis",
    "redis.asyncio.Redis.from_url": "redis.asyncio.Redis",
    "sqlite3.connect": "sqlite3.Connection",
    "psycopg2.connect": "psycopg2.connection",
    "pymysql.connect": "pymysql.connection",
    "MySQLdb.connect": "pymysql.connection",
    "socket.socket": "socket.socket",
    "socket.create_connection": "socket.socket",
    "socket.create_server": "socket.socket",
    "socket.fromfd": "socket.socket",
    "threading.Lock": "threading.Lock",
    # its own type: re-entrant for the thread holding it, so coroutines of one loop never
    # wait on each other for it (azure-cosmos' session lock held across an ``await``)
    "threading.RLock": "threading.RLock",
    "threading.Thread": "threading.Thread",
    "threading.Event": "threading.Event",
    "threading.Condition": "threading.Condition",
    "zipfile.ZipFile": "zipfile.ZipFile",
    "threading.Barrier": "threading.Barrier",
    "multiprocessing.Process": "multiprocessing.Process",
    EXECUTOR: EXECUTOR,  # ``ThreadPoolExecutor(...)``, once its name is made canonical
    "flask_sqlalchemy.SQLAlchemy": "flask_sqlalchemy.SQLAlchemy",
    "pathlib.Path": "pathlib.Path",
    "pathlib.Path.home": "pathlib.Path",
    "importlib.resources.files": "pathlib.Path",  # a ``Traversable``: a path, for a package
    "pathlib.Path.cwd": "pathlib.Path",
    "subprocess.Popen": "subprocess.Popen",
    "http.client.HTTPConnection": "http.client.HTTPConnection",
    "urllib3.PoolManager": "urllib3.PoolManager",
    "urllib.request.build_opener": "urllib.request.OpenerDirector",
    "urllib.request.OpenerDirector": "urllib.request.OpenerDirector",
    "smtplib.SMTP": "smtplib.SMTP",
    "smtplib.SMTP_SSL": "smtplib.SMTP",
    "ftplib.FTP": "ftplib.FTP",
    # the mail protocols smtplib's siblings speak, and the mailboxes on disk (aiosmtpd's
    # ``Mailbox`` handler adds each message to a ``Maildir`` from ``handle_DATA``)
    "imaplib.IMAP4": "imaplib.IMAP4",
    "imaplib.IMAP4_SSL": "imaplib.IMAP4",
    "poplib.POP3": "poplib.POP3",
    "poplib.POP3_SSL": "poplib.POP3",
    **{f"mailbox.{box}": "mailbox.Mailbox" for box in ("Maildir", "mbox", "MH", "Babyl", "MMDF")},
    "sqlalchemy.create_engine": "sqlalchemy.engine.Engine",
    "sqlalchemy.engine.create_engine": "sqlalchemy.engine.Engine",
    "sqlalchemy.ext.asyncio.create_async_engine": "sqlalchemy.ext.asyncio.AsyncEngine",
    "sqlalchemy.orm.Session": SYNC_SESSION,
    "sqlalchemy.orm.scoped_session": SYNC_SESSION,
    "sqlmodel.Session": SYNC_SESSION,
    "sqlalchemy.ext.asyncio.AsyncSession": ASYNC_SESSION,
    "contextvars.ContextVar": "contextvars.ContextVar",
    "boto3.client": BOTO3_CLIENT,
    "boto3.Session.client": BOTO3_CLIENT,  # ``boto3.Session().client("sqs")``
    "boto3.Session": "boto3.Session",
    "boto3.session.Session": "boto3.Session",
    "elasticsearch.Elasticsearch": ELASTICSEARCH,
    "psycopg.connect": PSYCOPG_CONNECTION,
    "psycopg.Connection.connect": PSYCOPG_CONNECTION,
    PSYCOPG_POOL: PSYCOPG_POOL,
    **{
        name: THREAD_QUEUE
        for name in ("queue.Queue", "queue.LifoQueue", "queue.PriorityQueue", "queue.SimpleQueue")
    },
    **{name: PROCESS_QUEUE for name in ("multiprocessing.Queue", "multiprocessing.JoinableQueue")},
    "pyodbc.connect": "pyodbc.Connection",
}

#: calling this produces a *factory*: calling the factory produces the type
FACTORIES: dict[str, str] = {
    "sqlalchemy.orm.sessionmaker": SYNC_SESSION,
    "sqlalchemy.orm.session.sessionmaker": SYNC_SESSION,
    "sqlalchemy.ext.asyncio.async_sessionmaker": ASYNC_SESSION,
    "sqlalchemy.orm.scoped_session": SYNC_SESSION,
}

#: (type, method) → type of the result
METHOD_RETURNS: dict[tuple[str, str], str] = {
    ("sqlite3.Connection", "cursor"): "sqlite3.Cursor",
    ("psycopg2.connection", "cursor"): "psycopg2.cursor",
    ("pymysql.connection", "cursor"): "pymysql.cursor",
    ("sqlalchemy.engine.Engine", "connect"): "sqlalchemy.engine.Connection",
    ("sqlalchemy.engine.Engine", "begin"): "sqlalchemy.engine.Connection",
    ("socket.socket", "accept"): "socket.socket",
    (EXECUTOR, "submit"): THREAD_FUTURE,
    ("boto3.Session", "client"): BOTO3_CLIENT,
    ("redis.Redis", "pipeline"): REDIS_PIPELINE,
    **{
        ("pathlib.Path", method): "pathlib.Path"
        for method in (
            "with_suffix",
            "with_name",
            "with_stem",
            "joinpath",
            "resolve",
            "absolute",
            "expanduser",
            "relative_to",
            "__truediv__",  # ``root / "a"``
        )
    },
    (PSYCOPG_CONNECTION, "cursor"): PSYCOPG_CURSOR,
    (PSYCOPG_POOL, "connection"): PSYCOPG_CONNECTION,  # ``with pool.connection() as conn``
    (PSYCOPG_POOL, "getconn"): PSYCOPG_CONNECTION,
    ("pyodbc.Connection", "cursor"): "pyodbc.Cursor",
    **{
        (owner, method): DJANGO_QUERYSET
        for owner in (DJANGO_MANAGER, DJANGO_QUERYSET)
        for method in (
            "all",
            "filter",
            "exclude",
            "order_by",
            "select_related",
            "prefetch_related",
            "annotate",
            "alias",
            "only",
            "defer",
            "using",
            "distinct",
            "reverse",
            "none",
            "select_for_update",
            "values",
            "values_list",
            "union",
            "intersection",
            "difference",
            "extra",
            "complex_filter",
        )
    },
}
#: (type, attribute) → type of the attribute's value
ATTRIBUTE_TYPES: dict[tuple[str, str], str] = {
    ("pathlib.Path", "parent"): "pathlib.Path",
    # Flask-SQLAlchemy: ``db = SQLAlchemy(); db.session.query(...)``
    ("flask_sqlalchemy.SQLAlchemy", "session"): SYNC_SESSION,
}
#: (type, method) whose result is an instance of the model the manager or queryset is of
DJANGO_INSTANCE_METHODS = frozenset({"get", "create", "first", "last", "earliest", "latest"})

# -- blocking ---------------------------------------------------------------------------
_HTTP_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request")

#: ``shutil``'s functions that copy, move, delete or archive whole files and trees
_SHUTIL_FILE_WORK = (
    "copy", "copy2", "copyfile", "copyfileobj", "copytree", "move", "rmtree", "make_archive",
    "unpack_archive",
)  # fmt: skip

BLOCKING_FUNCTIONS: frozenset[str] = frozenset(
    {
        "time.sleep",
        *(f"requests.{v}" for v in _HTTP_VERBS),
        *(f"httpx.{v}" for v in (*_HTTP_VERBS, "stream")),
        *(f"httpx2.{v}" for v in (*_HTTP_VERBS, "stream")),
        "urllib.request.urlopen",
        "urllib.request.urlretrieve",
        "subprocess.run",
        "subprocess.call",
        "subprocess.check_call",
        "subprocess.check_output",
        "subprocess.getoutput",
        "subprocess.getstatusoutput",
        "os.system",
        "os.popen",
        "os.wait",
        "os.waitpid",
        "input",
        "getpass.getpass",  # reads the terminal, like ``input``
        # click's and typer's prompts read the terminal through ``input`` (roborock's CLI)
        *(f"click.{f}" for f in ("prompt", "confirm", "pause", "getchar", "edit")),
        *(f"typer.{f}" for f in ("prompt", "confirm")),
        "open",
        "io.open",
        "gzip.open",  # ``open()`` plus compression
        "bz2.open",
        "lzma.open",
        "netrc.netrc",  # reads and parses the file when built (niquests' auth lookup)
        "concurrent.futures.wait",  # waits for the futures (``concurrent.futures.Future.result``)
        "ssl.create_default_context",  # loads the system's or the given CA certificates
        # dnspython's sync resolver sends the query and waits (``dns.asyncresolver`` does not)
        "dns.resolver.resolve",
        "dns.resolver.query",
        "dns.resolver.resolve_address",
        # file-system work that reads and writes whole files or trees, like ``open()``
        *(f"shutil.{f}" for f in _SHUTIL_FILE_WORK),
        *(
            f"importlib.resources.{f}"
            for f in ("read_text", "read_binary", "open_text", "open_binary")
        ),
        "sqlite3.connect",
        "psycopg2.connect",
        # run the statement on the cursor they are given, page by page
        "psycopg2.extras.execute_values",
        "psycopg2.extras.execute_batch",
        "psycopg.connect",
        "pymysql.connect",
        "MySQLdb.connect",
        "pyodbc.connect",
        "socket.create_connection",
        "socket.getaddrinfo",
        "socket.gethostbyname",
        # not ``redis.Redis.from_url``: like ``redis.Redis(...)``, it only builds a client
        # (redis-py connects on the first command)
        "smtplib.SMTP",
        "smtplib.SMTP_SSL",
        "imaplib.IMAP4",  # connect when built, like ``smtplib.SMTP``
        "imaplib.IMAP4_SSL",
        "poplib.POP3",
        "poplib.POP3_SSL",
    }
)

#: (not ``add`` / ``add_all``: they only put objects into the session, which sends them
#: at the next flush or commit; advanced-alchemy's in-memory repository uses an unbound
#: ``Session()`` for that alone)
_SESSION_METHODS = frozenset(
    {"query", "execute", "scalars", "scalar", "get", "commit", "flush", "refresh", "delete",
     "rollback", "merge", "close", "get_one", "connection", "exec"}
)  # fmt: skip
_DBAPI_CONNECTION = frozenset(
    {"execute", "executemany", "executescript", "commit", "rollback", "close"}
)
#: a network database's connection: ``close`` sends the goodbye and does not wait for
#: the server (psycopg's and PyMySQL's do not read a reply)
_NETWORK_DB_CONNECTION = _DBAPI_CONNECTION - {"close"}
_DBAPI_CURSOR = frozenset(
    {"execute", "executemany", "fetchone", "fetchall", "fetchmany", "callproc"}
)
_REDIS_COMMANDS = frozenset(
    {"get", "set", "setex", "setnx", "getset", "delete", "exists", "expire", "expireat", "ttl",
     "incr", "incrby", "decr", "decrby", "hget", "hset", "hgetall", "hdel", "hmset", "hmget",
     "hincrby", "hkeys", "hvals", "hexists", "lpush", "rpush", "lpop", "rpop", "blpop", "brpop",
     "lrange", "llen", "ltrim", "sadd", "srem", "smembers", "sismember", "scard", "zadd",
     "zrange", "zrangebyscore", "zrem", "zscore", "zincrby", "zcard", "publish", "keys", "scan",
     "scan_iter", "mget", "mset", "flushdb", "flushall", "ping", "eval", "evalsha", "xadd",
     "xread", "xreadgroup", "xack", "getdel", "unlink", "persist", "rename", "type", "info",
     "execute_command"}
)  # fmt: skip

#: the methods of a manager or queryset that run a query (the others build a queryset)
_DJANGO_QUERY_METHODS = frozenset(
    {"get", "create", "get_or_create", "update_or_create", "bulk_create", "bulk_update",
     "count", "exists", "first", "last", "earliest", "latest", "aggregate", "in_bulk",
     "update", "delete", "explain", "contains"}
)  # fmt: skip
# (not ``iterator``: it returns a generator, which queries when iterated, not when called)
#: the methods of a model instance that run a query
_DJANGO_MODEL_METHODS = frozenset({"save", "delete", "refresh_from_db"})
#: the API calls of the AWS services most services use (every one an HTTP request); not
#: the local helpers ``generate_presigned_url``, ``get_paginator``, ``get_waiter``
_BOTO3_CALLS = frozenset(
    {"put_object", "get_object", "delete_object", "delete_objects", "head_object",
     "copy_object", "list_objects", "list_objects_v2", "upload_file", "download_file",
     "upload_fileobj", "download_fileobj", "create_bucket", "head_bucket", "list_buckets",
     "send_message", "send_message_batch", "receive_message", "delete_message",
     "get_queue_url", "publish", "send_email", "send_raw_email", "get_item", "put_item",
     "update_item", "delete_item", "query", "scan", "batch_get_item", "batch_write_item",
     "transact_write_items", "invoke", "get_secret_value", "get_parameter",
     "get_parameters", "put_parameter", "assume_role", "get_caller_identity", "put_record",
     "put_records", "encrypt", "decrypt", "generate_data_key", "start_execution",
     "put_events", "put_metric_data",
     # S3 multipart uploads and listings, SQS and SNS administration
     "create_multipart_upload", "upload_part", "complete_multipart_upload",
     "abort_multipart_upload", "list_object_versions", "get_bucket_location",
     "change_message_visibility", "purge_queue", "create_queue", "get_queue_attributes",
     "create_topic", "subscribe",
     # Bedrock, SageMaker and the AI services
     "invoke_model", "invoke_model_with_response_stream", "converse", "converse_stream",
     "apply_guardrail", "list_guardrails", "list_foundation_models", "retrieve",
     "retrieve_and_generate", "invoke_agent", "invoke_endpoint", "detect_labels",
     "analyze_document", "detect_document_text", "translate_text", "synthesize_speech",
     "detect_sentiment", "detect_entities",
     # logs, Athena, Glue, EMR, Batch, ECS, EC2, Kinesis, Firehose, Step Functions
     "put_log_events", "get_log_events", "filter_log_events", "create_log_stream",
     "start_query_execution", "get_query_execution", "get_query_results", "start_job_run",
     "get_job_run", "cancel_job_run", "submit_job", "describe_jobs", "run_task",
     "describe_tasks", "describe_instances", "run_instances", "get_records",
     "get_shard_iterator", "put_record_batch", "describe_execution", "send_task_success",
     "send_task_failure", "get_metric_data",
     # Cognito (auth code)
     "initiate_auth", "admin_initiate_auth", "respond_to_auth_challenge", "sign_up",
     "confirm_sign_up", "admin_create_user", "admin_get_user", "get_user", "list_users",
     # KMS signatures
     "sign", "verify"}
)  # fmt: skip
_ELASTICSEARCH_CALLS = frozenset(
    {"search", "index", "get", "delete", "update", "create", "bulk", "count", "exists",
     "mget", "msearch", "scroll", "delete_by_query", "update_by_query", "info", "ping"}
)  # fmt: skip

BLOCKING_METHODS: dict[str, frozenset[str]] = {
    # reading certificate files (homeassistant's blocking-call detector lists the same)
    SSL_CONTEXT: frozenset(
        {"load_verify_locations", "load_cert_chain", "load_default_certs", "set_default_verify_paths"}
    ),
    "requests.Session": frozenset({*_HTTP_VERBS, "send"}),
    "httpx.Client": frozenset({*_HTTP_VERBS, "send", "stream"}),
    "httpx2.Client": frozenset({*_HTTP_VERBS, "send", "stream"}),
    SYNC_SESSION: _SESSION_METHODS,
    "sqlalchemy.engine.Engine": frozenset({"connect", "begin", "execute", "dispose"}),
    "sqlalchemy.engine.Connection": frozenset({"execute", "scalar", "scalars", "commit", "rollback", "exec_driver_sql"}),
    "sqlite3.Connection": _DBAPI_CONNECTION,
    "sqlite3.Cursor": _DBAPI_CURSOR,
    "psycopg2.connection": _NETWORK_DB_CONNECTION,
    "psycopg2.cursor": _DBAPI_CURSOR,
    "pymysql.connection": _NETWORK_DB_CONNECTION,
    "pymysql.cursor": _DBAPI_CURSOR,
    "socket.socket": frozenset({"connect", "recv", "recv_into", "recvfrom", "send", "sendall", "sendto", "accept"}),
    "threading.Lock": frozenset({"acquire"}),
    "threading.RLock": frozenset({"acquire"}),  # another thread may hold it
    "pathlib.Path": frozenset({"read_text", "read_bytes", "write_text", "write_bytes", "open"}),
    "subprocess.Popen": frozenset({"wait", "communicate"}),
    "threading.Thread": frozenset({"join"}),
    "threading.Event": frozenset({"wait"}),
    "threading.Condition": frozenset({"wait", "wait_for"}),
    # writing the archive's members to disk (an in-memory archive is read with ``read``)
    "zipfile.ZipFile": frozenset({"extractall", "extract"}),
    "threading.Barrier": frozenset({"wait"}),
    "multiprocessing.Process": frozenset({"join"}),
    # ``shutdown`` waits for every job, unless ``wait=False``; ``map`` submits them all and
    # returns their results in order, waiting for each (``list(executor.map(f, xs))``)
    EXECUTOR: frozenset({"shutdown", "map"}),
    THREAD_FUTURE: frozenset({"result"}),
    "http.client.HTTPConnection": frozenset({"request", "getresponse", "connect"}),
    "urllib3.PoolManager": frozenset({"request", "urlopen"}),
    "urllib.request.OpenerDirector": frozenset({"open"}),
    "smtplib.SMTP": frozenset({"sendmail", "send_message", "login", "connect", "starttls", "quit"}),
    "imaplib.IMAP4": frozenset(
        {"login", "select", "search", "fetch", "store", "copy", "expunge", "append", "uid",
         "list", "logout", "noop", "starttls", "idle"}
    ),
    "poplib.POP3": frozenset({"user", "pass_", "stat", "list", "retr", "dele", "top", "quit"}),
    "mailbox.Mailbox": frozenset(
        {"add", "remove", "discard", "clear", "flush", "update", "pop", "get_message",
         "get_bytes", "get_string", "get_file", "lock"}
    ),
    "ftplib.FTP": frozenset({"login", "retrbinary", "storbinary", "retrlines", "cwd", "nlst"}),
    "redis.Redis": _REDIS_COMMANDS,
    REDIS_PIPELINE: frozenset({"execute"}),  # sends the queued commands and reads the replies
    DJANGO_MANAGER: _DJANGO_QUERY_METHODS,
    DJANGO_QUERYSET: _DJANGO_QUERY_METHODS,
    DJANGO_MODEL: _DJANGO_MODEL_METHODS,
    BOTO3_CLIENT: _BOTO3_CALLS,
    ELASTICSEARCH: _ELASTICSEARCH_CALLS,
    PSYCOPG_CONNECTION: _NETWORK_DB_CONNECTION,
    PSYCOPG_CURSOR: _DBAPI_CURSOR,
    # waiting for a pooled connection (``timeout`` seconds at most), or for the pool to fill
    PSYCOPG_POOL: frozenset({"connection", "getconn", "wait"}),
    "pyodbc.Connection": _DBAPI_CONNECTION,
    "pyodbc.Cursor": _DBAPI_CURSOR,
    # ``get(False)`` / ``get(block=False)`` return at once (see ``CALL_NO_WAIT``); ``join()``
    # waits until the consumers have called ``task_done()`` for every item
    THREAD_QUEUE: frozenset({"get", "join"}),
    PROCESS_QUEUE: frozenset({"get", "join"}),
}  # fmt: skip

#: blocking APIs that return a context manager and wait when the ``with`` enters it, not in
#: the call: ``migrate`` cannot move such a call to a thread (it lists it for review)
BLOCKS_ON_ENTER = frozenset({f"{PSYCOPG_POOL}.connection"})

#: blocking APIs reported only in the body of an ``async def`` (ASY100), never passed on
#: to the sync functions that call them (ASY101, ASY201): in a sync helper, waiting on an
#: event is how sync-over-async plumbing waits for a loop running in another thread
#: (distributed's ``sync()``, redis's ``BackgroundScheduler``), which the async API behind
#: a loop-aware dispatcher never reaches: 75 false findings on distributed
DIRECT_ONLY = frozenset(
    {"threading.Event.wait", "threading.Condition.wait", "threading.Condition.wait_for",
     "threading.Barrier.wait",
     # prefect's ``drain_all`` returns ``asyncio.wait(...)`` with a loop running and
     # waits with ``concurrent.futures.wait`` only without one
     "concurrent.futures.wait",
     # SSL contexts are built once and kept by the helpers that build them (litellm's
     # ``_ssl_context_cache``, homeassistant's ``@cache``): passed on, the first call's
     # certificate reading gave litellm 353 findings through ``get_ssl_configuration``
     "ssl.create_default_context", f"{SSL_CONTEXT}.load_verify_locations",
     f"{SSL_CONTEXT}.load_cert_chain", f"{SSL_CONTEXT}.load_default_certs",
     f"{SSL_CONTEXT}.set_default_verify_paths"}
)  # fmt: skip

# -- coroutines ---------------------------------------------------------------------------
ASYNC_FUNCTIONS: frozenset[str] = frozenset(
    {
        "asyncio.sleep",
        "asyncio.wait_for",
        "asyncio.wait",
        "asyncio.to_thread",
        "asyncio.open_connection",
        "asyncio.start_server",
        "asyncio.create_subprocess_exec",
        "asyncio.create_subprocess_shell",
        "anyio.sleep",
        "anyio.to_thread.run_sync",
        "anyio.open_file",
        "trio.sleep",
        "aiofiles.open",
    }
)
_ASYNC_SESSION_METHODS = frozenset(
    {"execute", "scalars", "scalar", "get", "commit", "flush", "refresh", "delete",
     "rollback", "merge", "close", "stream", "stream_scalars", "get_one", "run_sync", "exec"}
)  # fmt: skip
ASYNC_METHODS: dict[str, frozenset[str]] = {
    ASYNC_SESSION: _ASYNC_SESSION_METHODS,
    "httpx.AsyncClient": frozenset({*_HTTP_VERBS, "send", "aclose"}),
    "httpx2.AsyncClient": frozenset({*_HTTP_VERBS, "send", "aclose"}),
    "redis.asyncio.Redis": _REDIS_COMMANDS | {"close", "aclose"},
    "sqlalchemy.ext.asyncio.AsyncEngine": frozenset({"dispose"}),
    DJANGO_MANAGER: frozenset(f"a{m}" for m in _DJANGO_QUERY_METHODS),
    DJANGO_QUERYSET: frozenset(f"a{m}" for m in _DJANGO_QUERY_METHODS),
    DJANGO_MODEL: frozenset(f"a{m}" for m in _DJANGO_MODEL_METHODS),
}  # fmt: skip

# -- bridges and wrappers ------------------------------------------------------------------
#: sync code entering async code (ASY103/ASY206/ASY3xx)
BRIDGES = frozenset(
    {"asyncio.run", "asgiref.sync.async_to_sync", "anyio.run", "trio.run", "uvloop.run"}
)
BRIDGE_METHODS = frozenset({"run_until_complete"})
#: bridges that return a sync wrapper: only ``async_to_sync(f)(...)`` runs the event loop
WRAPPING_BRIDGES = frozenset({"asgiref.sync.async_to_sync"})

#: run a function object off the event loop: a function passed here is not called here
OFFLOAD_FUNCTIONS = frozenset(
    {
        "asyncio.to_thread",
        "anyio.to_thread.run_sync",
        "asgiref.sync.sync_to_async",
        "starlette.concurrency.run_in_threadpool",
        "fastapi.concurrency.run_in_threadpool",
        "trio.to_thread.run_sync",
    }
)
OFFLOAD_METHODS = frozenset({"run_in_executor", "async_add_executor_job", "async_add_job"})

#: accept a coroutine (so passing one is not "dropping" it)
TASK_FUNCTIONS = frozenset(
    {
        "asyncio.create_task",
        "asyncio.ensure_future",
        "asyncio.gather",
        "asyncio.wait",
        "asyncio.wait_for",
        "asyncio.shield",
        "asyncio.run",
        "asyncio.run_coroutine_threadsafe",
        "asyncio.as_completed",
        "asyncio.timeout",
        "anyio.run",
        "trio.run",
    }
)
DANGLING_TASK_FUNCTIONS = frozenset({"asyncio.create_task", "asyncio.ensure_future"})


def django_twin(api: str) -> str:
    """The coroutine method Django 4.1+ has beside a blocking ORM method (``aget`` for
    ``django.db.models.Manager.get``); "" for any other API."""
    owner, _, method = api.rpartition(".")
    owner = canonical_type(owner)
    if owner in LIBRARY_OF and LIBRARY_OF[owner] == "django":
        twin = f"a{method}"
        if async_method(owner, twin):
            return twin
    return ""


#: the manager of a model Django itself ships (``django.contrib.auth.models.User.objects``)
_DJANGO_CONTRIB_MANAGER = re.compile(
    r"django\.contrib\.\w+\.models\.\w+\.(?:objects|_default_manager|_base_manager)"
)


#: a model Django itself ships (``django.contrib.auth.models.User``)
_DJANGO_CONTRIB_MODEL = re.compile(r"django\.contrib\.\w+\.models\.[A-Z]\w*")
#: a boto3 client's type from the stub packages (``mypy_boto3_dynamodb.DynamoDBClient``,
#: ``types_boto3_s3.client.S3Client``): the client ``boto3.client("dynamodb")`` returns
_BOTO3_STUB_CLIENT = re.compile(r"(?:mypy_boto3|types_boto3)_\w+(?:\.client)?\.\w+Client")


def canonical_type(name: str) -> str:
    found = TYPE_ALIASES.get(name)
    if found is not None:
        return found
    if name.startswith("django.contrib."):
        if _DJANGO_CONTRIB_MANAGER.fullmatch(name):
            return DJANGO_MANAGER
        if _DJANGO_CONTRIB_MODEL.fullmatch(name):
            return DJANGO_MODEL  # ``user: User``; ``user.save()``
    if name.startswith(("mypy_boto3_", "types_boto3_")) and _BOTO3_STUB_CLIENT.fullmatch(name):
        return BOTO3_CLIENT
    return name


def blocking_method(type_name: str, method: str, extra: frozenset[str] = frozenset()) -> bool:
    if f"{type_name}.{method}" in extra:
        return True
    methods = BLOCKING_METHODS.get(type_name)
    return methods is not None and method in methods


def async_method(type_name: str, method: str, extra: frozenset[str] = frozenset()) -> bool:
    if f"{type_name}.{method}" in extra:
        return True
    methods = ASYNC_METHODS.get(type_name)
    return methods is not None and method in methods


#: calls that take a value and never await it: builtins that print, convert or measure it,
#: and loggers (a coroutine handed to one is dropped: ASY102)
_NEVER_AWAIT = frozenset(
    {"print", "str", "repr", "len", "bool", "int", "float", "list", "tuple", "set", "dict",
     "sorted", "format", "id", "hash", "json.dumps", "logging.info", "logging.debug",
     "logging.warning", "logging.error", "logging.exception", "logging.critical"}
)  # fmt: skip
_LOG_METHODS = frozenset({"info", "debug", "warning", "warn", "error", "exception", "critical"})


def never_awaits(callee: str) -> bool:
    """Does a call of ``callee`` (as the facts name it) drop a coroutine it is given?
    ``print(x)``, ``str(x)``, ``logger.info("%s", x)`` (a receiver named like a logger)."""
    if callee in _NEVER_AWAIT:
        return True
    receiver, _, method = callee.rpartition(".")
    return method in _LOG_METHODS and "log" in receiver.rpartition(".")[2].lower()
