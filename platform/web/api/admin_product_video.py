"""Admin API for a product's video: `PUT /api/admin/v1/products/{id}/video` (multipart:
`video`, an MP4 of at most 50 MB, and `poster`, its cover picture) and `DELETE` it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from litestar import Controller, Request, delete, put
from litestar.datastructures import UploadFile
from litestar.di import Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body

from galleria.kernel import db
from galleria.kernel.catalog.images import MAX_BYTES as MAX_POSTER_BYTES
from galleria.kernel.catalog.videos import MAX_VIDEO_BYTES, delete_video, set_video
from galleria.kernel.tenancy.audit import record
from galleria.kernel.tenancy.shops import Shop
from galleria.web.api.aftersales_schemas import problems
from galleria.web.api.answers import ProductVideo
from galleria.web.deps import provide_admin, require_scope

UPLOAD_LIMIT = MAX_VIDEO_BYTES + MAX_POSTER_BYTES + 1024 * 1024  # the kernel says which is big


@dataclass
class VideoUpload:
    video: UploadFile
    poster: UploadFile


class AdminProductVideoApi(Controller):
    path = "/api/admin/v1/products/{product_id:int}/video"
    dependencies = {"actor": Provide(provide_admin)}
    tags = ["admin"]

    @put("/", operation_id="setProductVideo", request_max_body_size=UPLOAD_LIMIT,
         responses=problems(400, 401, 403, 404, 413, 422))
    async def set(self, request: Request, shop: Shop, actor: str, product_id: int,
                  data: Annotated[VideoUpload, Body(media_type=RequestEncodingType.MULTI_PART)]
                  ) -> ProductVideo:
        """Give the product a video (replacing any): `video`, an MP4 (checked by its
        content) of at most 50 MB, and `poster`, a JPEG, PNG or WebP cover picture. It is
        shown first in the product's gallery. 422 names `video` or `poster`."""
        require_scope(request, "catalog:write")
        async with db.shop_scope(shop.id):
            shown = await set_video(shop.id, product_id, await data.video.read(),
                                    await data.poster.read())
            await record(shop.id, actor, "product.updated", str(product_id), {"video": True})
        return ProductVideo(**shown)  # type: ignore[typeddict-item]

    @delete("/", operation_id="deleteProductVideo", status_code=204,
            responses=problems(401, 403, 404))
    async def remove(self, request: Request, shop: Shop, actor: str, product_id: int) -> None:
        require_scope(request, "catalog:write")
        async with db.shop_scope(shop.id):
            await delete_video(shop.id, product_id)
            await record(shop.id, actor, "product.updated", str(product_id), {"video": False})
