"""A common password with digits or symbols around it (`password123`) is refused at both
doors: a merchant's signup and a shopper's registration, as the README promises."""

from __future__ import annotations

import pytest

from galleria.auth.passwords import password_problem

GUESSABLE = ["password123", "Password123!", "P@ssw0rd2024", "qwerty123456", "woaini1314",
             "Admin@88888", "1234567890!!"]


@pytest.mark.parametrize("password", GUESSABLE)
def test_common_words_with_digits_around_them_are_too_easy(password):
    assert password_problem(password) == "too easy to guess"


@pytest.mark.parametrize("password", ["Correct-Horse-9", "Lotus-Tea-2026", "黄山毛峰-Maofeng9"])
def test_passwords_of_ones_own_pass(password):
    assert password_problem(password) is None


async def test_a_merchant_cannot_sign_up_with_password123(client):
    answer = await client.post("/api/platform/v1/signup", json={
        "shop_name": "Weak", "slug": "weak-password-shop", "email": "owner@weak.example",
        "password": "password123", "template": "blank"})
    assert answer.status_code == 422, answer.text
    assert "too easy to guess" in answer.text


async def test_a_shopper_cannot_register_with_password123(open_shop):
    shop = await open_shop()
    answer = await shop.post("/api/v1/account/register", admin=False, json={
        "email": "buyer@weak.example", "password": "password123"})
    assert answer.status_code == 422, answer.text
    assert "too easy to guess" in answer.text
    fine = await shop.post("/api/v1/account/register", admin=False, json={
        "email": "buyer@weak.example", "password": "Lotus-Tea-2026"})
    assert fine.status_code == 201, fine.text
