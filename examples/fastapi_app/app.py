"""A FastAPI app whose visitors sign in through BMAuth (OpenID Connect, Authlib)."""
import os
import secrets
from html import escape

from authlib.integrations.starlette_client import OAuth, OAuthError
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.middleware.sessions import SessionMiddleware

BMAUTH_URL = os.environ.get("BMAUTH_URL", "http://localhost:3000").rstrip("/")
APP_URL = os.environ.get("APP_URL", "http://localhost:8000").rstrip("/")
CLIENT_ID, CLIENT_SECRET = os.environ["CLIENT_ID"], os.environ.get("CLIENT_SECRET") or None

app = FastAPI()
session_key = os.environ.get("SESSION_SECRET") or secrets.token_urlsafe(32)
app.add_middleware(SessionMiddleware, secret_key=session_key, session_cookie="fastapi_app")
oauth = OAuth()
oauth.register(
    "bmauth",
    client_id=CLIENT_ID,
    client_secret=CLIENT_SECRET,  # none: a public client, proven by PKCE alone
    server_metadata_url=BMAUTH_URL + "/.well-known/openid-configuration",
    client_kwargs={"scope": "openid email", "code_challenge_method": "S256",
                   "token_endpoint_auth_method": "client_secret_basic" if CLIENT_SECRET else "none"},
)


def page(body: str) -> HTMLResponse:
    return HTMLResponse(f'<!doctype html><meta charset="utf-8"><title>FastAPI example</title>{body}')


@app.get("/")
async def home(request: Request):
    if email := request.session.get("email"):
        return page(f'<p>Signed in as {escape(email)}</p><a href="/logout">Sign out</a>')
    note = ""
    if "state" in request.query_params:  # back from BMAuth's sign-out
        try:
            await oauth.bmauth.validate_logout_response(request)
            note = "<p>You are signed out.</p>"
        except OAuthError:
            pass
    return page(f'{note}<a href="/login">Sign in with BMAuth</a>')


@app.get("/login")
async def login(request: Request):
    fresh = {"prompt": "login"} if request.query_params.get("fresh") else {}
    return await oauth.bmauth.authorize_redirect(request, APP_URL + "/auth", **fresh)


@app.get("/auth")
async def auth(request: Request):
    try:
        token = await oauth.bmauth.authorize_access_token(request)
    except OAuthError as e:
        return page(f'<p>Not signed in: {escape(e.error or "")}</p><a href="/">Back</a>')
    claims = token["userinfo"]  # the ID token's, checked by Authlib (signature, nonce, ...)
    email = claims.get("email") or (await oauth.bmauth.userinfo(token=token))["email"]
    request.session.update(email=email, id_token=token["id_token"])
    return RedirectResponse("/")


@app.get("/logout")
async def logout(request: Request):
    id_token = request.session.get("id_token")
    request.session.clear()
    if not id_token:
        return RedirectResponse("/")
    return await oauth.bmauth.logout_redirect(
        request, post_logout_redirect_uri=APP_URL + "/", id_token_hint=id_token, client_id=CLIENT_ID)
