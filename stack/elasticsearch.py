"""Elasticsearch 8.19 (one node, no X-Pack, plain HTTP) for the local stack, built from Maven Central.

There is no distribution tarball here: the server's jars come from Maven Central through
``deploy/elasticsearch/pom.xml`` and are laid out the way a distribution would be. Three pieces of the
distribution are not published on Central, so the project supplies small Java sources for them under
``deploy/elasticsearch/java/``, compiled at ``stack up`` time against the resolved jars:

* ``entitlement-agent``: the Java agent the server attaches to itself (``lib/entitlement-agent/``);
* ``ansi-console``: the console provider loaded from ``lib/tools/ansi-console/`` (returns null);
* ``rest-root``: a module answering ``GET``/``HEAD /`` (node info), which clients use for info()/ping().

A fourth, ``serverargs``, is a tool: 8.x servers read a serialized ``ServerArgs`` from stdin instead of a
command line, and shut down when stdin closes. The tool writes that record; ``start()`` feeds it to the
server through a pipe whose write end is held open by a tiny holder process (``tail --pid``), which
ends by itself when the server does.

Layout under ``<stack home>/elasticsearch`` (the server's ``path.home``): ``lib/``, ``modules/``,
``config/``, ``plugins/``, ``data/``, ``logs/``, ``tmp/``, ``build/`` (compiled pieces, serverargs).
The server runs as uid 65534 (it refuses root); data/logs/tmp belong to that uid.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import time
import zipfile
from pathlib import Path

from . import proc, settings
from .proc import StackError, say

NAME = "elasticsearch"
HOLDER = "elasticsearch-stdin"
MAIN_CLASS = "org.elasticsearch.bootstrap.Elasticsearch"
V = settings.ELASTICSEARCH_VERSION
_MARKER = f".installed-elasticsearch-{V}"

# jars that belong to the transport-netty4 module rather than to lib/
_NETTY_MODULE_PREFIXES = ("transport-netty4-", "netty-", "elasticsearch-ssl-config-")
_BRIDGE_PREFIX = "elasticsearch-entitlement-bridge-"


def home() -> Path:
    return settings.component_dir(NAME)


def lib_dir() -> Path:
    return home() / "lib"


def modules_dir() -> Path:
    return home() / "modules"


def config_dir() -> Path:
    return home() / "config"


def data_dir() -> Path:
    return home() / "data"


def es_logs_dir() -> Path:
    return home() / "logs"


def tmp_dir() -> Path:
    return home() / "tmp"


def build_dir() -> Path:
    return home() / "build"


def java_src_dir() -> Path:
    return settings.deploy_dir() / "elasticsearch" / "java"


def log_file() -> Path:
    return settings.log_file(NAME)


def install_log() -> Path:
    return settings.logs_dir() / "elasticsearch-install.log"


def url() -> str:
    return settings.ELASTICSEARCH_URL


def ports() -> list[int]:
    return [settings.ELASTICSEARCH_PORT, settings.ELASTICSEARCH_TRANSPORT_PORT]


def _as_root() -> bool:
    return os.geteuid() == 0


# --- install: jars from Maven Central --------------------------------------------------------------
def installed() -> bool:
    return (lib_dir() / _MARKER).is_file()


def ensure_installed() -> None:
    _ensure_jars()
    _ensure_java_pieces()


def _ensure_jars() -> None:
    if installed():
        return
    staging = home() / "resolved.partial"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    proc.mvn_copy_dependencies(settings.deploy_dir() / "elasticsearch" / "pom.xml", staging,
                               log=install_log(), component=NAME)
    if not (staging / f"elasticsearch-{V}.jar").is_file():
        raise StackError(f"elasticsearch: Maven did not deliver elasticsearch-{V}.jar into {staging}")

    lib = home() / "lib.partial"
    shutil.rmtree(lib, ignore_errors=True)
    netty = modules_dir() / "transport-netty4"
    shutil.rmtree(netty, ignore_errors=True)
    for folder in (lib / "entitlement-bridge", lib / "entitlement-agent", lib / "tools" / "ansi-console", netty):
        folder.mkdir(parents=True, exist_ok=True)
    for jar in sorted(staging.glob("*.jar")):
        name = jar.name
        if name.startswith(_BRIDGE_PREFIX):
            target = lib / "entitlement-bridge" / name
        elif name.startswith(_NETTY_MODULE_PREFIXES):
            target = netty / name
        else:
            target = lib / name
        jar.replace(target)
    # the module's descriptor and entitlement policy ship inside its jar
    with zipfile.ZipFile(netty / f"transport-netty4-{V}.jar") as zf:
        prefix = "META-INF/es-plugins/transport-netty4/"
        for member in zf.namelist():
            if member.startswith(prefix) and not member.endswith("/"):
                (netty / member[len(prefix):]).write_bytes(zf.read(member))
    if not (netty / "plugin-descriptor.properties").is_file():
        raise StackError("elasticsearch: transport-netty4 jar has no plugin-descriptor.properties")
    shutil.rmtree(staging, ignore_errors=True)
    (lib / _MARKER).write_text(time.strftime("%Y-%m-%dT%H:%M:%S\n"))
    shutil.rmtree(lib_dir(), ignore_errors=True)
    lib.rename(lib_dir())
    (build_dir() / "stamp").unlink(missing_ok=True)  # the Java pieces go into lib/: build them again


# --- install: the project's Java pieces ------------------------------------------------------------
def _sources_stamp() -> str:
    digest = hashlib.sha256()
    digest.update(f"es={V};java={settings.JAVA_FEATURE_VERSION}\n".encode())
    for path in sorted(p for p in java_src_dir().rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(java_src_dir())).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def agent_jar() -> Path:
    return lib_dir() / "entitlement-agent" / "fc-entitlement-agent.jar"


def ansi_console_jar() -> Path:
    return lib_dir() / "tools" / "ansi-console" / "fc-ansi-console.jar"


def rest_root_dir() -> Path:
    return modules_dir() / "rest-root"


def serverargs_jar() -> Path:
    return build_dir() / "fc-serverargs.jar"


def _jar(target: Path, classes: Path, package_dirs: list[str], manifest: Path | None = None) -> None:
    """Write a jar (a zip with a manifest) of the given package folders of `classes`; any other jar in
    the target folder is removed (the agent, for one, must be the only jar in its folder)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    for old in target.parent.glob("*.jar"):
        old.unlink()
    manifest_text = manifest.read_text(encoding="utf-8") if manifest else "Manifest-Version: 1.0\n"
    if not manifest_text.endswith("\n"):
        manifest_text += "\n"
    tmp = target.with_name(target.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("META-INF/MANIFEST.MF", manifest_text.replace("\n", "\r\n"))
        for package in package_dirs:
            files = sorted(p for p in (classes / package).rglob("*") if p.is_file())
            if not files:
                raise StackError(f"elasticsearch: javac produced nothing under {classes / package}")
            for path in files:
                zf.write(path, path.relative_to(classes).as_posix())
    tmp.replace(target)


def _ensure_java_pieces() -> None:
    stamp_file = build_dir() / "stamp"
    stamp = _sources_stamp()
    outputs = (agent_jar(), ansi_console_jar(), rest_root_dir() / "fc-rest-root.jar",
               rest_root_dir() / "plugin-descriptor.properties", serverargs_jar())
    if stamp_file.is_file() and stamp_file.read_text().strip() == stamp and all(p.is_file() for p in outputs):
        return
    say(NAME, "compiling the entitlement agent, ansi-console, rest-root and serverargs pieces ...")
    started = time.monotonic()
    src = java_src_dir()
    classes = build_dir() / "classes"
    shutil.rmtree(classes, ignore_errors=True)
    classes.mkdir(parents=True)
    pieces = ("entitlement-agent", "ansi-console", "rest-root", "serverargs")
    sources = sorted(str(p) for piece in pieces for p in (src / piece / "src").rglob("*.java"))
    # One javac for all four (one JVM start); the agent and the console use only the JDK.
    javac = proc.java_home(NAME) / "bin" / "javac"
    proc.run_logged([str(javac), "--release", str(settings.JAVA_FEATURE_VERSION), "-nowarn", "-encoding", "UTF-8",
                     "-cp", f"{lib_dir()}/*", "-d", str(classes), *sources],
                    log=install_log(), what="javac (elasticsearch pieces)")

    _jar(agent_jar(), classes, ["faultcorrelator/esagent"], manifest=src / "entitlement-agent" / "MANIFEST.MF")
    _jar(ansi_console_jar(), classes, ["org/elasticsearch/io/ansi"])
    _jar(rest_root_dir() / "fc-rest-root.jar", classes, ["faultcorrelator/restroot"])
    descriptor = proc.render(src / "rest-root" / "plugin-descriptor.properties",
                             {"ES_VERSION": V, "JAVA_VERSION": str(settings.JAVA_FEATURE_VERSION)})
    (rest_root_dir() / "plugin-descriptor.properties").write_text(descriptor)
    _jar(serverargs_jar(), classes, ["faultcorrelator/serverargs"])

    stamp_file.write_text(stamp + "\n")
    (build_dir() / "serverargs.bin").unlink(missing_ok=True)
    say(NAME, f"compiled in {time.monotonic() - started:.1f}s")


# --- configure -------------------------------------------------------------------------------------
def _check_reachable_by_server_user() -> None:
    """The server runs as uid 65534: every folder above its home must be searchable by others."""
    if not _as_root():
        return
    path = home()
    for parent in [path, *path.parents]:
        try:
            mode = parent.stat().st_mode
        except FileNotFoundError:
            continue
        if not mode & 0o001:
            raise StackError(
                f"elasticsearch runs as uid {settings.ELASTICSEARCH_UID}, which cannot enter {parent} "
                f"(mode {oct(mode & 0o777)}): choose an FC_STACK_HOME under a world-searchable folder "
                f"or chmod o+x {parent}")


def _own_for_server(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    if not _as_root():
        return
    uid, gid = settings.ELASTICSEARCH_UID, settings.ELASTICSEARCH_GID
    st = folder.stat()
    if st.st_uid == uid and st.st_gid == gid:
        return
    os.chown(folder, uid, gid)
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            os.lchown(os.path.join(root, name), uid, gid)


def prepare() -> None:
    _check_reachable_by_server_user()
    for folder in (config_dir(), home() / "plugins", build_dir()):
        folder.mkdir(parents=True, exist_ok=True)
    for folder in (data_dir(), es_logs_dir(), tmp_dir()):
        _own_for_server(folder)
    values = {
        "HTTP_PORT": str(settings.ELASTICSEARCH_PORT),
        "TRANSPORT_PORT": str(settings.ELASTICSEARCH_TRANSPORT_PORT),
        "DATA_DIR": str(data_dir()),
        "LOGS_DIR": str(es_logs_dir()),
    }
    deploy = settings.deploy_dir() / "elasticsearch"
    changed = proc.write_if_changed(config_dir() / "elasticsearch.yml",
                                    proc.render(deploy / "elasticsearch.yml", values))
    changed |= proc.write_if_changed(config_dir() / "log4j2.properties",
                                     (deploy / "log4j2.properties").read_text(encoding="utf-8"))
    args_file = build_dir() / "serverargs.bin"
    if changed or not args_file.is_file() \
            or args_file.stat().st_mtime < (config_dir() / "elasticsearch.yml").stat().st_mtime:
        _write_server_args(args_file)


def _write_server_args(target: Path) -> None:
    argv = [proc.java(NAME), "-Xmx64m", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
            f"-Des.path.home={home()}", f"-Des.path.conf={config_dir()}",
            "-cp", f"{lib_dir()}/*:{serverargs_jar()}",
            "faultcorrelator.serverargs.WriteServerArgs", str(target)]
    proc.run_logged(argv, log=install_log(), what="write ServerArgs")


def jvm_argv() -> list[str]:
    heap = settings.ELASTICSEARCH_HEAP
    bridge = next((lib_dir() / "entitlement-bridge").glob(f"{_BRIDGE_PREFIX}*.jar"))
    return [
        proc.java(NAME),
        f"-Xms{heap}", f"-Xmx{heap}", "-XX:+UseG1GC", "-Xss1m",
        "-XX:-OmitStackTraceInFastThrow", "-XX:+HeapDumpOnOutOfMemoryError",
        f"-XX:HeapDumpPath={data_dir()}", f"-XX:ErrorFile={es_logs_dir()}/hs_err_pid%p.log",
        "-Dfile.encoding=UTF-8", "-Djava.locale.providers=CLDR", "-Djava.awt.headless=true",
        "-Djna.nosys=true", "-Des.networkaddress.cache.ttl=60", "-Des.networkaddress.cache.negative.ttl=10",
        "-Dlog4j.shutdownHookEnabled=false", "-Dlog4j2.disable.jmx=true", "-Dlog4j2.formatMsgNoLookups=true",
        "-Dio.netty.noUnsafe=true", "-Dio.netty.noKeySetOptimization=true",
        "-Dio.netty.recycler.maxCapacityPerThread=0", "-Djdk.attach.allowAttachSelf=true",
        f"-Djava.io.tmpdir={tmp_dir()}", f"-Des.path.home={home()}", f"-Des.path.conf={config_dir()}",
        "-Des.distribution.type=tar",
        f"--patch-module=java.base={bridge}",
        "--add-exports=java.base/org.elasticsearch.entitlement.bridge="
        "org.elasticsearch.entitlement,java.logging,java.net.http,java.naming,jdk.net",
        f"--module-path={lib_dir()}", "--add-modules=ALL-MODULE-PATH", "--add-modules=jdk.net",
        "--add-modules=jdk.management.agent",
        "-m", f"org.elasticsearch.server/{MAIN_CLASS}",
    ]


# --- run -------------------------------------------------------------------------------------------
def main_pid() -> int | None:
    return proc.live_pid(NAME, must_contain=MAIN_CLASS)


def holder_pid() -> int | None:
    return proc.live_pid(HOLDER, must_contain="tail")


def pids() -> dict[str, int | None]:
    return {"pid": main_pid(), "stdin_holder_pid": holder_pid()}


def start() -> int:
    args = (build_dir() / "serverargs.bin").read_bytes()
    env = {
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "HOME": str(tmp_dir()),
        "ES_TMPDIR": str(tmp_dir()),
        "LIBFFI_TMPDIR": str(tmp_dir()),
        "ES_PATH_CONF": str(config_dir()),
        "HOSTNAME": "localhost",
    }
    argv = jvm_argv()
    if _as_root():
        argv = ["setpriv", f"--reuid={settings.ELASTICSEARCH_UID}", f"--regid={settings.ELASTICSEARCH_GID}",
                "--clear-groups", *argv]
    read_end, write_end = os.pipe()
    try:
        os.write(write_end, args)  # ~400 bytes: fits the pipe buffer before anyone reads
        pid = proc.spawn(NAME, argv, log=log_file(), env=env, cwd=home(), stdin=read_end)
        # Keep the server's stdin open for as long as it lives: `tail --pid` holds the write end and
        # exits by itself once the server is gone; stop() also ends it.
        with open(log_file(), "ab", buffering=0) as log:
            holder = subprocess.Popen(  # noqa: S603
                ["tail", "-f", "/dev/null", f"--pid={pid}", "-s", "1"],
                stdin=subprocess.DEVNULL, stdout=write_end, stderr=log, start_new_session=True,
                close_fds=True,
            )
        proc.write_pid(HOLDER, holder.pid)
    finally:
        os.close(read_end)
        os.close(write_end)
    return pid


def cluster_health(timeout: float = 2.0) -> dict | None:
    try:
        status, body = proc.http_get(
            f"{url()}/_cluster/health?wait_for_status=yellow&timeout={max(int(timeout) - 1, 1)}s",
            timeout=timeout)
    except OSError:
        return None
    if status not in (200, 408):
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


def healthy(timeout: float = 3.0) -> bool:
    """``_cluster/health`` says yellow or green."""
    if not proc.port_open(settings.ELASTICSEARCH_HOST, settings.ELASTICSEARCH_PORT, timeout=min(timeout, 0.5)):
        return False
    health = cluster_health(timeout)
    return bool(health) and health.get("status") in ("yellow", "green")


def stop(timeout: float = settings.STOP_TIMEOUT_S) -> bool:
    """SIGTERM the server (graceful), SIGKILL after `timeout`; then end the stdin holder."""
    stopped = False
    pid = main_pid()
    if pid is not None:
        if proc.terminate(pid, timeout=timeout, what="elasticsearch"):
            say(NAME, f"did not stop within {timeout:.0f}s: killed pid {pid}")
        stopped = True
    proc.remove_pid(NAME)
    holder = holder_pid()
    if holder is not None:
        proc.terminate(holder, timeout=5, what="stdin holder")
        stopped = True
    proc.remove_pid(HOLDER)
    return stopped


def wipe_data() -> None:
    """Delete every index and the cluster state (and the server's own logs/tmp). Keeps jars and build."""
    for folder in (data_dir(), es_logs_dir(), tmp_dir()):
        shutil.rmtree(folder, ignore_errors=True)
