"""The product editor's video card: `POST /console/products/{id}/video` uploads an MP4 and
its cover picture (replacing the video before), `…/video/delete` removes it. A refusal
returns to the editor with `?video=type|size|poster`, which the video card puts in words."""

from __future__ import annotations

from litestar import Controller, Request, Response, Router, post
from litestar.datastructures import UploadFile
from litestar.response import Redirect

from galleria.kernel import db
from galleria.kernel.catalog.images import MAX_BYTES as MAX_POSTER_BYTES
from galleria.kernel.catalog.videos import MAX_VIDEO_BYTES, delete_video, set_video
from galleria.kernel.errors import ValidationFailed
from galleria.kernel.tenancy.audit import record
from galleria.kernel.tenancy.shops import Shop
from galleria.web.context import shop_host_only
from galleria.web.pages.console.shell import LoginRequired, require_staff, staff_of, to_login

# A video at the limit and its cover, plus room for the form: the kernel says which is too big.
UPLOAD_LIMIT = MAX_VIDEO_BYTES + MAX_POSTER_BYTES + 1024 * 1024


async def _read(upload: object) -> bytes:
    return await upload.read() if isinstance(upload, UploadFile) else b""


class ProductVideoPages(Controller):
    path = "/products/{product_id:int}/video"
    guards = [require_staff]

    @post("", name="console:product-video", request_max_body_size=UPLOAD_LIMIT)
    async def upload(self, request: Request, shop: Shop, product_id: int) -> Response:
        form = await request.form()
        video, poster = await _read(form.get("video")), await _read(form.get("poster"))
        here = f"/console/products/{product_id}"
        try:
            async with db.shop_scope(shop.id):
                await set_video(shop.id, product_id, video, poster)
                await record(shop.id, f"user:{staff_of(request)['user_id']}",
                             "product.updated", str(product_id), {"video": True})
        except ValidationFailed as exc:
            field = exc.errors[0].field if exc.errors else "video"
            reason = "poster" if field == "poster" else \
                "size" if "MB" in exc.detail else "type"
            return Redirect(f"{here}?video={reason}#video", status_code=303)
        return Redirect(f"{here}?saved=video#video", status_code=303)

    @post("/delete", name="console:product-video-delete")
    async def remove(self, request: Request, shop: Shop, product_id: int) -> Response:
        async with db.shop_scope(shop.id):
            await delete_video(shop.id, product_id)
            await record(shop.id, f"user:{staff_of(request)['user_id']}",
                         "product.updated", str(product_id), {"video": False})
        return Redirect(f"/console/products/{product_id}?saved=saved#video", status_code=303)


product_video_router = Router(
    path="/console", guards=[shop_host_only], route_handlers=[ProductVideoPages],
    exception_handlers={LoginRequired: to_login}, include_in_schema=False,
)

__all__ = ["product_video_router"]
