"""Storage: the S3-compatible client signs like AWS does (AWS's published examples), and a
small fake S3 that checks every signature accepts what it stores and refuses forgeries."""

import datetime as dt
import hashlib
from pathlib import Path

import httpx
import pytest

from galleria.kernel import storage
from galleria.kernel.storage import LocalStorage, S3Storage, sigv4_authorization

AWS_KEY, AWS_SECRET = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
EMPTY = hashlib.sha256(b"").hexdigest()


@pytest.mark.parametrize(("url", "extra", "signature"), [
    # "Examples of signature calculations" in the Amazon S3 API reference (SigV4, header auth)
    ("https://examplebucket.s3.amazonaws.com/test.txt", {"range": "bytes=0-9"},
     "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"),
    ("https://examplebucket.s3.amazonaws.com/?lifecycle", {},
     "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"),
    ("https://examplebucket.s3.amazonaws.com/?max-keys=2&prefix=J", {},
     "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"),
])
def test_signatures_match_the_aws_examples(url, extra, signature):
    headers = {"Host": "examplebucket.s3.amazonaws.com", **extra,
               "x-amz-content-sha256": EMPTY, "x-amz-date": "20130524T000000Z"}
    authorization = sigv4_authorization("GET", url, headers, EMPTY, access_key=AWS_KEY,
                                        secret_key=AWS_SECRET, region="us-east-1")
    assert authorization.endswith(f"Signature={signature}")
    assert authorization.startswith(
        f"AWS4-HMAC-SHA256 Credential={AWS_KEY}/20130524/us-east-1/s3/aws4_request,")


class FakeS3:
    """Path-style buckets in memory; every request must carry a valid SigV4 signature over
    host, the content hash and the date, for a body that matches the hash."""

    def __init__(self, secrets: dict[str, str], region: str = "cn-north-1") -> None:
        self.secrets, self.region = secrets, region
        self.objects: dict[str, tuple[bytes, str]] = {}

    def refuse(self, request: httpx.Request) -> str | None:
        auth = request.headers.get("authorization", "")
        fields = dict(part.split("=", 1) for part in auth.removeprefix(
            "AWS4-HMAC-SHA256 ").split(","))
        key_id, date, region, service, _ = fields.get("Credential", "////").split("/")
        signed = fields.get("SignedHeaders", "").split(";")
        if key_id not in self.secrets or (region, service) != (self.region, "s3"):
            return "InvalidAccessKeyId"
        if not {"host", "x-amz-date", "x-amz-content-sha256"} <= set(signed):
            return "AccessDenied"
        body_hash = hashlib.sha256(request.content).hexdigest()
        if request.headers["x-amz-content-sha256"] != body_hash:
            return "XAmzContentSHA256Mismatch"
        stamp = dt.datetime.strptime(request.headers["x-amz-date"], "%Y%m%dT%H%M%SZ")
        if abs(dt.datetime.now(dt.UTC).replace(tzinfo=None) - stamp) > dt.timedelta(minutes=15):
            return "RequestTimeTooSkewed"
        expected = sigv4_authorization(
            request.method, str(request.url), {h: request.headers[h] for h in signed},
            body_hash, access_key=key_id, secret_key=self.secrets[key_id], region=region)
        return None if expected == auth and date == stamp.strftime("%Y%m%d") else (
            "SignatureDoesNotMatch")

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if error := self.refuse(request):
            return httpx.Response(403, text=f"<Error><Code>{error}</Code></Error>")
        path = request.url.path
        if request.method == "PUT":
            self.objects[path] = (request.content, request.headers["content-type"])
            return httpx.Response(200)
        if path not in self.objects:
            return httpx.Response(404, text="<Error><Code>NoSuchKey</Code></Error>")
        if request.method == "DELETE":
            del self.objects[path]
            return httpx.Response(204)
        return httpx.Response(200, content=self.objects[path][0])


def s3(fake: FakeS3, secret: str = "s3cr3t", **kwargs) -> S3Storage:
    return S3Storage(endpoint="https://oss.example.com", bucket="shop-media",
                     access_key="AK1", secret_key=secret, region="cn-north-1",
                     transport=httpx.MockTransport(fake), **kwargs)


def test_s3_put_get_delete_with_signed_requests():
    fake = FakeS3({"AK1": "s3cr3t"})
    bucket = s3(fake)
    bucket.put("shops/1/products/2/ab12.jpg", b"\xff\xd8 picture")
    assert fake.objects["/shop-media/shops/1/products/2/ab12.jpg"] == (
        b"\xff\xd8 picture", "image/jpeg")
    assert bucket.get("shops/1/products/2/ab12.jpg") == b"\xff\xd8 picture"
    bucket.delete("shops/1/products/2/ab12.jpg")
    bucket.delete("shops/1/products/2/ab12.jpg")  # already gone: fine
    with pytest.raises(OSError, match="404"):
        bucket.get("shops/1/products/2/ab12.jpg")
    assert bucket.url("shops/1/x.jpg") == "https://oss.example.com/shop-media/shops/1/x.jpg"
    cdn = s3(fake, public_url="https://cdn.example.com/")
    assert cdn.url("shops/1/x.jpg") == "https://cdn.example.com/shops/1/x.jpg"


def test_s3_with_a_wrong_secret_is_refused_loudly():
    with pytest.raises(OSError, match="SignatureDoesNotMatch"):
        s3(FakeS3({"AK1": "s3cr3t"}), secret="guess").put("shops/1/a.jpg", b"x")


def test_keys_that_leave_the_shop_folder_are_refused(tmp_path: Path):
    for store in (LocalStorage(tmp_path), s3(FakeS3({"AK1": "s3cr3t"}))):
        for key in ("../etc/passwd", "shops/1/../../x", "/abs", ""):
            with pytest.raises(ValueError, match="bad storage key"):
                store.put(key, b"x")


def test_from_env_chooses_s3_only_when_a_bucket_is_set(tmp_path: Path):
    assert isinstance(storage.from_env({}, tmp_path), LocalStorage)
    env = {"GALLERIA_S3_BUCKET": "b", "GALLERIA_S3_ENDPOINT": "https://s3.example.com",
           "GALLERIA_S3_ACCESS_KEY": "AK", "GALLERIA_S3_SECRET_KEY": "SK"}
    assert isinstance(storage.from_env(env, tmp_path), S3Storage)
    with pytest.raises(ValueError, match="GALLERIA_S3_SECRET_KEY"):
        storage.from_env({**env, "GALLERIA_S3_SECRET_KEY": ""}, tmp_path)


def test_local_storage_round_trip(tmp_path: Path):
    local = LocalStorage(tmp_path)
    local.put("shops/1/a.jpg", b"abc")
    assert local.get("shops/1/a.jpg") == b"abc"
    assert local.url("shops/1/a.jpg") == "/media/shops/1/a.jpg"
    local.delete("shops/1/a.jpg")
    local.delete("shops/1/a.jpg")
    assert not (tmp_path / "shops/1/a.jpg").exists()
