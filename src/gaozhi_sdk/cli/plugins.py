"""The ``gaozhi plugins``, ``gaozhi plugin new`` and ``gaozhi events`` subcommands.

Nothing here imports a plugin before the command runs, so ``gaozhi --help`` never depends
on installed plugins.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from typing import Any

from gaozhi_sdk.cli._base import EX_FAIL, EX_OK, CliError, add_store_args, examples, store_url

__all__ = ["register"]


def _flags(call: Mapping[str, Any]) -> str:
    tags = [t for t in ("wrapper", "tryfirst", "trylast") if call[t]]
    return f" ({', '.join(tags)})" if tags else ""


def _cmd_plugins(args: argparse.Namespace) -> int:
    from gaozhi_sdk import hookspecs
    from gaozhi_sdk.plugins import PluginHost

    host = PluginHost()
    infos = host.plugins()
    hooks: dict[str, list[dict[str, Any]]] = {}
    if args.hooks:
        for name in host.hook_names():
            hooks[name] = [
                {
                    "plugin": c.plugin,
                    "wrapper": c.wrapper,
                    "tryfirst": c.tryfirst,
                    "trylast": c.trylast,
                }
                for c in host.call_order(name)
            ]
    if args.json:
        out: dict[str, Any] = {
            "plugins": [i.to_dict() for i in infos],
            "failures": [
                {
                    "name": f.name,
                    "distribution": f.distribution,
                    "version": f.version,
                    "error": f.error,
                }
                for f in host.load_failures
            ],
        }
        if args.hooks:
            out["hooks"] = hooks
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return EX_OK
    print(f"插件 ({len(infos)}):")
    for i in infos:
        origin = "内置" if i.builtin else f"{i.distribution or '-'} {i.version or ''}".strip()
        print(f"  {i.name}  [{origin}]")
        print(f"    钩子: {', '.join(i.hooks) or '-'}")
        if i.registrations:
            print(f"    注册: {', '.join(i.registrations)}")
    if host.load_failures:
        print(f"加载失败 ({len(host.load_failures)}):")
        for f in host.load_failures:
            print(f"  {f.name}  [{f.distribution} {f.version}]: {f.error}")
    if args.hooks:
        print("钩子调用顺序 (先调用者在前):")
        for name, calls in hooks.items():
            spec = getattr(hookspecs, name)
            opts = getattr(spec, "gaozhi_sdk_spec", {}) or {}
            kind = (
                " [firstresult]"
                if opts.get("firstresult")
                else (" [historic]" if opts.get("historic") else "")
            )
            order = " → ".join(c["plugin"] + _flags(c) for c in calls)
            print(f"  {name}{kind}: {order or '-'}")
    return EX_OK


def _cmd_plugin_new(args: argparse.Namespace) -> int:
    from gaozhi_sdk.scaffold import new_plugin

    target = new_plugin(args.name, args.dir)
    print(f"已生成插件包: {target}")
    print(f"  cd {target} && pip install -e '.[test]' && pytest")
    return EX_OK


def _cmd_events(args: argparse.Namespace) -> int:
    from gaozhi_sdk.events import dead_letters, deliver_pending, replay_dead
    from gaozhi_sdk.plugins import PluginHost
    from gaozhi_sdk.store import open_store

    url, _ = store_url(args)
    store = open_store(url)
    try:
        if args.events_command == "dead":
            letters = dead_letters(store)
            if args.json:
                print(
                    json.dumps(
                        [
                            {
                                "message_id": d.message_id,
                                "topic": d.topic,
                                "idempotency_key": d.idempotency_key,
                                "failed_plugins": dict(d.failed_plugins),
                                "attempts": dict(d.attempts),
                            }
                            for d in letters
                        ],
                        ensure_ascii=False,
                        indent=2,
                    )
                )
            else:
                for d in letters:
                    errs = "; ".join(f"{p}: {e}" for p, e in d.failed_plugins.items())
                    print(f"{d.message_id}  {d.topic}  {d.idempotency_key}  {errs}")
                print(f"死信: {len(letters)} 条")
            return EX_OK
        host = PluginHost()
        if args.events_command == "deliver":
            report = deliver_pending(
                store,
                host,
                max_attempts=args.max_attempts,
                limit=args.limit,
                worker=args.worker,
                lease_s=args.lease,
            )
        else:
            if args.ids:
                known = {d.message_id for d in dead_letters(store)}
                unknown = sorted(set(args.ids) - known)
                if unknown:
                    raise CliError(
                        "GZ-CLI-015",
                        f"没有编号为 {', '.join(map(str, unknown))} 的死信事件; "
                        "可用 gaozhi events dead 列出",
                        details={"unknown": unknown},
                    )
            report = replay_dead(store, host, message_ids=args.ids or None)
        print(
            f"已投递 {report.delivered}, 待重试 {report.retrying}, 死信 {report.dead}, "
            f"调用 {report.calls}, 失败 {len(report.failures)}"
        )
        return EX_FAIL if report.dead else EX_OK
    finally:
        store.close()


def register(sub: Any) -> None:
    """Add ``plugins``, ``plugin new`` and ``events`` to the ``gaozhi`` subparsers."""
    pl = sub.add_parser(
        "plugins",
        help="列出插件、版本、钩子与注册内容",
        description="列出已安装的插件、版本、实现的钩子与注册内容, 以及加载失败的插件。",
        epilog=examples("gaozhi plugins", "gaozhi plugins --hooks", "gaozhi plugins --json"),
    )
    pl.add_argument("--hooks", action="store_true", help="显示每个钩子的实际调用顺序")
    pl.add_argument("--json", action="store_true", help="输出 JSON")
    pl.set_defaults(func=_cmd_plugins)

    pn = sub.add_parser(
        "plugin",
        help="插件开发工具",
        description="插件开发工具。",
        epilog=examples("gaozhi plugin new henan-scjg"),
    )
    pnsub = pn.add_subparsers(dest="plugin_command")
    pn.set_defaults(func=None, _parser=pn)
    new = pnsub.add_parser(
        "new",
        help="生成新插件包 (测试开箱即通过)",
        description="生成新插件包; 按提示安装 (含测试依赖) 后运行 pytest 即可通过。",
        epilog=examples(
            "gaozhi plugin new henan-scjg", "gaozhi plugin new henan-scjg --dir plugins"
        ),
    )
    new.add_argument("name", metavar="NAME", help="插件名称, 如 henan-scjg")
    new.add_argument("--dir", default=".", metavar="DIR", help="生成到此目录 (默认当前目录)")
    new.set_defaults(func=_cmd_plugin_new)

    ev = sub.add_parser(
        "events",
        help="生命周期事件投递 (待发箱、死信、重投)",
        description="生命周期事件投递: 把待发箱中的事件投递给插件, 列出和重投死信。",
        epilog=examples(
            "gaozhi events deliver --workdir demo",
            "gaozhi events dead --workdir demo",
            "gaozhi events replay --workdir demo --id 12",
        ),
    )
    evsub = ev.add_subparsers(dest="events_command")
    ev.set_defaults(func=None, _parser=ev)
    deliver = evsub.add_parser(
        "deliver",
        help="把待发事件投递给插件 (至少一次)",
        description="把待发事件投递给插件 (至少一次); 有死信时退出码 1。",
        epilog=examples("gaozhi events deliver --workdir demo --limit 100"),
    )
    dead = evsub.add_parser(
        "dead",
        help="列出死信事件",
        description="列出死信事件 (多次投递仍失败的事件)。",
        epilog=examples("gaozhi events dead --workdir demo --json"),
    )
    replay = evsub.add_parser(
        "replay",
        help="重投死信事件",
        description="重投死信事件; 不给 --id 时重投全部。",
        epilog=examples("gaozhi events replay --workdir demo --id 12 --id 13"),
    )
    for p in (deliver, dead, replay):
        add_store_args(p)
        p.set_defaults(func=_cmd_events)
    deliver.add_argument("--max-attempts", type=int, default=8, help="每个插件的最多尝试次数")
    deliver.add_argument("--limit", type=int, default=1000, help="本次最多投递的消息数")
    deliver.add_argument(
        "--worker",
        metavar="ID",
        help="投递进程标识: 多个进程/实例同时投递时各给一个, 消息先领取 (租约) 再投递",
    )
    deliver.add_argument(
        "--lease", type=float, default=60.0, metavar="SECONDS", help="领取租约秒数 (配合 --worker)"
    )
    dead.add_argument("--json", action="store_true", help="输出 JSON")
    replay.add_argument("--id", dest="ids", type=int, action="append", help="只重投这些消息")
