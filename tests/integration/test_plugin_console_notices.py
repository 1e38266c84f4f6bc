"""A disabled plugin (made for another Galleria, broken on import) is named in the console's
plugin page, in the merchant's language, with the log for the reason."""

from galleria.testing import open_shop as open_shop_through


async def test_the_console_names_a_disabled_plugin(app, client, runtime, console):
    shop = await open_shop_through(client)
    runtime.host.disabled["old_points"] = "it supports Galleria <0.1"  # as loading found it
    try:
        zh = await (await console(shop)).get("/console/plugins")
        en = await (await console(shop, "en")).get("/console/plugins")
    finally:
        del runtime.host.disabled["old_points"]
    assert "插件 old_points 已停用" in zh.text and "原因见平台日志" in zh.text
    assert "The plugin old_points is switched off" in en.text
    assert "supports Galleria" not in zh.text  # no English on a Chinese page
