"""A hello template page served as the app serves its pages (Litestar, Jinja, uvicorn with
the same options): the baseline the product page's throughput is compared with.
`uvicorn hello_app:app` with bench/ on PYTHONPATH."""

from jinja2 import DictLoader, Environment
from litestar import Litestar, get
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template.config import TemplateConfig

PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>{{ title }}</title></head><body><h1>{{ title }}</h1><p>{{ greeting }}</p></body></html>"""


@get("/hello")
async def hello() -> Template:
    return Template("hello.html", context={"title": "你好", "greeting": "欢迎光临"})


@get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


ENV = Environment(loader=DictLoader({"hello.html": PAGE}), autoescape=True, enable_async=True)
app = Litestar([hello, healthz], template_config=TemplateConfig(
    instance=JinjaTemplateEngine.from_environment(ENV)))
