// The OpenAPI 3.1 description of everything authd answers, served at GET /openapi.json.

/// The API's one description: what clients read, what Tests/Integration/test_openapi.py checks the
/// live server against (schemathesis), and the bytes `/openapi.json` serves. A raw string so that
/// JSON's `\"` escapes stay as written.
enum OpenAPIDocument {
    static let json: String = #"""
    {
      "openapi": "3.1.0",
      "info": {
        "title": "authd",
        "version": "1.0.0",
        "summary": "JWT authentication compatible with Django REST Framework + djangorestframework-simplejwt 5.5.",
        "description": "The paths, JSON bodies, status codes and error bodies of a DRF + simplejwt token service, except that where simplejwt answers 500 or an HTML page, authd answers a JSON 4xx.\n\nEvery answer is `application/json` (`/metrics` aside) and every 401 carries `WWW-Authenticate: Bearer realm=\"api\"`. Request bodies are read as DRF reads them: JSON, urlencoded or multipart forms; an empty body has no fields whatever its type, and any other media type with a body is 415. Fields are DRF `CharField`s: a string or a number (stringified), trimmed of surrounding whitespace; missing, null, blank, boolean, list, object, NUL-containing or lone-surrogate values are 400 field errors.\n\nOn every path: a method the path does not list is 405 with `Allow` (`MethodNotAllowed`; on `/api/users/me/` only once the client has authenticated, as in DRF), an unknown path is 404 (`NotFound`), a known path without its trailing slash is 301 to the path with it (Django's APPEND_SLASH; the query string is kept, the body is not), bodies over 2.5 MB are 413, request headers over 16 KiB are 431, and two `Content-Length`s or `Transfer-Encoding` beside `Content-Length` are 400. A request still waiting after the request deadline (10 s) is 503."
      },
      "paths": {
        "/api/token/": {
          "post": {
            "operationId": "obtainTokenPair",
            "summary": "Log in: a refresh and access token pair",
            "description": "simplejwt's TokenObtainPairView. The password is checked with Django's pbkdf2_sha256 on a worker thread; an unknown username costs the same as a wrong password.",
            "requestBody": {
              "description": "The user's credentials.",
              "required": true,
              "content": {
                "application/json": {
                  "schema": {"$ref": "#/components/schemas/Credentials"},
                  "examples": {
                    "article": {
                      "summary": "The article's user (password sent as a number)",
                      "value": {"username": "Gokul", "password": 123}
                    }
                  }
                },
                "application/x-www-form-urlencoded": {"schema": {"$ref": "#/components/schemas/Credentials"}},
                "multipart/form-data": {"schema": {"$ref": "#/components/schemas/Credentials"}}
              }
            },
            "responses": {
              "200": {
                "description": "A new token pair.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TokenPair"}}},
                "links": {
                  "refresh": {
                    "operationId": "refreshToken",
                    "requestBody": {"refresh": "$response.body#/refresh"},
                    "description": "The refresh token gets a new access token."
                  },
                  "verify": {
                    "operationId": "verifyToken",
                    "requestBody": {"token": "$response.body#/access"},
                    "description": "The access token verifies."
                  },
                  "blacklist": {
                    "operationId": "blacklistToken",
                    "requestBody": {"refresh": "$response.body#/refresh"},
                    "description": "The refresh token can be revoked."
                  },
                  "currentUser": {
                    "operationId": "currentUser",
                    "parameters": {"header.Authorization": "Bearer {$response.body#/access}"},
                    "description": "The access token authenticates the user."
                  },
                  "currentUserHead": {
                    "operationId": "currentUserHead",
                    "parameters": {"header.Authorization": "Bearer {$response.body#/access}"},
                    "description": "The access token authenticates the user (HEAD)."
                  }
                }
              },
              "400": {
                "description": "The body's fields were refused (DRF field errors), the body is not an object, it could not be parsed (`JSON parse error - ...`, `Multipart form parse error - ...`), or the request's framing is ambiguous.",
                "content": {
                  "application/json": {
                    "schema": {
                      "anyOf": [
                        {"$ref": "#/components/schemas/CredentialsErrors"},
                        {"$ref": "#/components/schemas/Detail"}
                      ]
                    }
                  }
                }
              },
              "401": {
                "description": "Wrong password, unknown or inactive user.",
                "headers": {"WWW-Authenticate": {"$ref": "#/components/headers/WWW-Authenticate"}},
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NoActiveAccount"}}}
              },
              "413": {"$ref": "#/components/responses/BodyTooLarge"},
              "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
              "431": {"$ref": "#/components/responses/HeadersTooLarge"},
              "503": {"$ref": "#/components/responses/Unavailable"}
            }
          },
          "options": {
            "operationId": "tokenPairOptions",
            "summary": "The methods the path allows",
            "description": "Answers `{}` with `Allow: POST, OPTIONS`, without authentication.",
            "responses": {
              "200": {
                "description": "The path's methods in `Allow`.",
                "headers": {"Allow": {"$ref": "#/components/headers/Allow"}},
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Empty"}}}
              },
              "400": {"$ref": "#/components/responses/AmbiguousFraming"},
              "413": {"$ref": "#/components/responses/BodyTooLarge"},
              "431": {"$ref": "#/components/responses/HeadersTooLarge"}
            }
          }
        },
        "/api/token/refresh/": {
          "post": {
            "operationId": "refreshToken",
            "summary": "A new access token (and a new refresh token when rotating)",
            "description": "simplejwt's TokenRefreshView. With rotation on, the answer also holds a new refresh token; with blacklist-after-rotation on, the one sent is revoked, and of concurrent refreshes of one token exactly one succeeds.",
            "requestBody": {
              "description": "The refresh token.",
              "required": true,
              "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/RefreshBody"}},
                "application/x-www-form-urlencoded": {"schema": {"$ref": "#/components/schemas/RefreshBody"}},
                "multipart/form-data": {"schema": {"$ref": "#/components/schemas/RefreshBody"}}
              }
            },
            "responses": {
              "200": {
                "description": "The new access token, and the new refresh token when rotating.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Refreshed"}}}
              },
              "400": {
                "description": "The body's fields were refused (DRF field errors), the body is not an object, it could not be parsed (`JSON parse error - ...`, `Multipart form parse error - ...`), or the request's framing is ambiguous.",
                "content": {
                  "application/json": {
                    "schema": {
                      "anyOf": [
                        {"$ref": "#/components/schemas/RefreshErrors"},
                        {"$ref": "#/components/schemas/Detail"}
                      ]
                    }
                  }
                }
              },
              "401": {
                "description": "The token is not valid (`token_not_valid`, including \"Token is blacklisted\"), or its user is inactive or gone (\"No active account found for the given token.\", with no `code`, as in simplejwt).",
                "headers": {"WWW-Authenticate": {"$ref": "#/components/headers/WWW-Authenticate"}},
                "content": {
                  "application/json": {
                    "schema": {
                      "anyOf": [
                        {"$ref": "#/components/schemas/TokenError"},
                        {"$ref": "#/components/schemas/NoActiveAccountForToken"}
                      ]
                    }
                  }
                }
              },
              "413": {"$ref": "#/components/responses/BodyTooLarge"},
              "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
              "431": {"$ref": "#/components/responses/HeadersTooLarge"},
              "503": {"$ref": "#/components/responses/Unavailable"}
            }
          },
          "options": {
            "operationId": "refreshOptions",
            "summary": "The methods the path allows",
            "description": "Answers `{}` with `Allow: POST, OPTIONS`, without authentication.",
            "responses": {
              "200": {
                "description": "The path's methods in `Allow`.",
                "headers": {"Allow": {"$ref": "#/components/headers/Allow"}},
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Empty"}}}
              },
              "400": {"$ref": "#/components/responses/AmbiguousFraming"},
              "413": {"$ref": "#/components/responses/BodyTooLarge"},
              "431": {"$ref": "#/components/responses/HeadersTooLarge"}
            }
          }
        },
        "/api/token/verify/": {
          "post": {
            "operationId": "verifyToken",
            "summary": "Check a token's signature and claims",
            "description": "simplejwt's TokenVerifyView: any valid token, access or refresh, is `{}`. With blacklist-after-rotation on, a revoked token is 400 `{\"non_field_errors\":[\"Token is blacklisted\"]}`.",
            "requestBody": {
              "description": "The token to check.",
              "required": true,
              "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/VerifyBody"}},
                "application/x-www-form-urlencoded": {"schema": {"$ref": "#/components/schemas/VerifyBody"}},
                "multipart/form-data": {"schema": {"$ref": "#/components/schemas/VerifyBody"}}
              }
            },
            "responses": {
              "200": {
                "description": "The token is valid.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Empty"}}}
              },
              "400": {
                "description": "The body's fields were refused (DRF field errors), the body is not an object, it could not be parsed (`JSON parse error - ...`, `Multipart form parse error - ...`), or the request's framing is ambiguous.",
                "content": {
                  "application/json": {
                    "schema": {
                      "anyOf": [
                        {"$ref": "#/components/schemas/VerifyErrors"},
                        {"$ref": "#/components/schemas/Detail"}
                      ]
                    }
                  }
                }
              },
              "401": {
                "description": "The token is not valid (`token_not_valid`: invalid, expired, wrong type, no `exp`/`jti`/`token_type`, blacklisted).",
                "headers": {"WWW-Authenticate": {"$ref": "#/components/headers/WWW-Authenticate"}},
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TokenError"}}}
              },
              "413": {"$ref": "#/components/responses/BodyTooLarge"},
              "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
              "431": {"$ref": "#/components/responses/HeadersTooLarge"},
              "503": {"$ref": "#/components/responses/Unavailable"}
            }
          },
          "options": {
            "operationId": "verifyOptions",
            "summary": "The methods the path allows",
            "description": "Answers `{}` with `Allow: POST, OPTIONS`, without authentication.",
            "responses": {
              "200": {
                "description": "The path's methods in `Allow`.",
                "headers": {"Allow": {"$ref": "#/components/headers/Allow"}},
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Empty"}}}
              },
              "400": {"$ref": "#/components/responses/AmbiguousFraming"},
              "413": {"$ref": "#/components/responses/BodyTooLarge"},
              "431": {"$ref": "#/components/responses/HeadersTooLarge"}
            }
          }
        },
        "/api/token/blacklist/": {
          "post": {
            "operationId": "blacklistToken",
            "summary": "Revoke a refresh token",
            "description": "simplejwt's TokenBlacklistView: the refresh token never refreshes again, across restarts and every instance sharing the database. Access tokens already issued stay valid.",
            "requestBody": {
              "description": "The refresh token to revoke.",
              "required": true,
              "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/RefreshBody"}},
                "application/x-www-form-urlencoded": {"schema": {"$ref": "#/components/schemas/RefreshBody"}},
                "multipart/form-data": {"schema": {"$ref": "#/components/schemas/RefreshBody"}}
              }
            },
            "responses": {
              "200": {
                "description": "The token is revoked.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Empty"}}}
              },
              "400": {
                "description": "The body's fields were refused (DRF field errors), the body is not an object, it could not be parsed (`JSON parse error - ...`, `Multipart form parse error - ...`), or the request's framing is ambiguous.",
                "content": {
                  "application/json": {
                    "schema": {
                      "anyOf": [
                        {"$ref": "#/components/schemas/RefreshErrors"},
                        {"$ref": "#/components/schemas/Detail"}
                      ]
                    }
                  }
                }
              },
              "401": {
                "description": "The token is not valid (`token_not_valid`: invalid, expired, wrong type, no `exp`/`jti`/`token_type`, blacklisted).",
                "headers": {"WWW-Authenticate": {"$ref": "#/components/headers/WWW-Authenticate"}},
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TokenError"}}}
              },
              "413": {"$ref": "#/components/responses/BodyTooLarge"},
              "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
              "431": {"$ref": "#/components/responses/HeadersTooLarge"},
              "503": {"$ref": "#/components/responses/Unavailable"}
            }
          },
          "options": {
            "operationId": "blacklistOptions",
            "summary": "The methods the path allows",
            "description": "Answers `{}` with `Allow: POST, OPTIONS`, without authentication.",
            "responses": {
              "200": {
                "description": "The path's methods in `Allow`.",
                "headers": {"Allow": {"$ref": "#/components/headers/Allow"}},
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Empty"}}}
              },
              "400": {"$ref": "#/components/responses/AmbiguousFraming"},
              "413": {"$ref": "#/components/responses/BodyTooLarge"},
              "431": {"$ref": "#/components/responses/HeadersTooLarge"}
            }
          }
        },
        "/api/users/me/": {
          "get": {
            "operationId": "currentUser",
            "summary": "The authenticated user",
            "description": "Authenticated as simplejwt's JWTAuthentication: a `Bearer` access token (the scheme is case-sensitive), its user read from the database on every request.",
            "security": [{"bearerAuth": []}],
            "responses": {
              "200": {
                "description": "The user.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/User"}}}
              },
              "400": {"$ref": "#/components/responses/AmbiguousFraming"},
              "401": {"$ref": "#/components/responses/NotAuthenticated"},
              "413": {"$ref": "#/components/responses/BodyTooLarge"},
              "431": {"$ref": "#/components/responses/HeadersTooLarge"},
              "503": {"$ref": "#/components/responses/Unavailable"}
            }
          },
          "head": {
            "operationId": "currentUserHead",
            "summary": "The GET's status and headers, without a body",
            "security": [{"bearerAuth": []}],
            "responses": {
              "200": {"description": "The user."},
              "400": {
                "description": "Framing a proxy could read differently (two `Content-Length` headers, `Transfer-Encoding` beside `Content-Length` or other than `chunked`, a body on a method other than POST, PUT or PATCH): refused before routing, and the connection is closed."
              },
              "401": {
                "description": "No credentials (no `Authorization`, or a scheme other than `Bearer`), a malformed header, an access token that is not valid, or a user who is missing or inactive.",
                "headers": {"WWW-Authenticate": {"$ref": "#/components/headers/WWW-Authenticate"}}
              },
              "413": {"description": "The body is over 2.5 MB (the connection is closed)."},
              "431": {"description": "The request headers are over 16 KiB (the connection is closed)."},
              "503": {
                "description": "The database is unreachable, the password-hashing queue is full, signing failed, or the request deadline passed: retry.",
                "headers": {"Retry-After": {"$ref": "#/components/headers/Retry-After"}}
              }
            }
          },
          "options": {
            "operationId": "currentUserOptions",
            "summary": "The methods the path allows",
            "description": "Answers `{}` with `Allow: GET, HEAD, OPTIONS`, without authentication.",
            "responses": {
              "200": {
                "description": "The path's methods in `Allow`.",
                "headers": {"Allow": {"$ref": "#/components/headers/Allow"}},
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Empty"}}}
              },
              "400": {"$ref": "#/components/responses/AmbiguousFraming"},
              "413": {"$ref": "#/components/responses/BodyTooLarge"},
              "431": {"$ref": "#/components/responses/HeadersTooLarge"}
            }
          }
        },
        "/healthz": {
          "get": {
            "operationId": "health",
            "summary": "Liveness: 200 while the process serves",
            "responses": {
              "200": {
                "description": "Serving.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}
              },
              "400": {"$ref": "#/components/responses/AmbiguousFraming"},
              "413": {"$ref": "#/components/responses/BodyTooLarge"},
              "431": {"$ref": "#/components/responses/HeadersTooLarge"}
            }
          },
          "head": {
            "operationId": "healthHead",
            "summary": "The GET's status and headers, without a body",
            "responses": {
              "200": {"description": "Serving."},
              "400": {
                "description": "Framing a proxy could read differently (two `Content-Length` headers, `Transfer-Encoding` beside `Content-Length` or other than `chunked`, a body on a method other than POST, PUT or PATCH): refused before routing, and the connection is closed."
              },
              "413": {"description": "The body is over 2.5 MB (the connection is closed)."},
              "431": {"description": "The request headers are over 16 KiB (the connection is closed)."}
            }
          }
        },
        "/readyz": {
          "get": {
            "operationId": "readiness",
            "summary": "Readiness: 200 while the database is reachable",
            "responses": {
              "200": {
                "description": "Ready.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Ready"}}}
              },
              "400": {"$ref": "#/components/responses/AmbiguousFraming"},
              "413": {"$ref": "#/components/responses/BodyTooLarge"},
              "431": {"$ref": "#/components/responses/HeadersTooLarge"},
              "503": {"$ref": "#/components/responses/Unavailable"}
            }
          },
          "head": {
            "operationId": "readinessHead",
            "summary": "The GET's status and headers, without a body",
            "responses": {
              "200": {"description": "Ready."},
              "400": {
                "description": "Framing a proxy could read differently (two `Content-Length` headers, `Transfer-Encoding` beside `Content-Length` or other than `chunked`, a body on a method other than POST, PUT or PATCH): refused before routing, and the connection is closed."
              },
              "413": {"description": "The body is over 2.5 MB (the connection is closed)."},
              "431": {"description": "The request headers are over 16 KiB (the connection is closed)."},
              "503": {
                "description": "The database is unreachable, the password-hashing queue is full, signing failed, or the request deadline passed: retry.",
                "headers": {"Retry-After": {"$ref": "#/components/headers/Retry-After"}}
              }
            }
          }
        },
        "/openapi.json": {
          "get": {
            "operationId": "openAPIDocument",
            "summary": "This document",
            "responses": {
              "200": {
                "description": "The OpenAPI 3.1 document of this API.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/OpenAPIDocument"}}}
              },
              "400": {"$ref": "#/components/responses/AmbiguousFraming"},
              "413": {"$ref": "#/components/responses/BodyTooLarge"},
              "431": {"$ref": "#/components/responses/HeadersTooLarge"}
            }
          },
          "head": {
            "operationId": "openAPIDocumentHead",
            "summary": "The GET's status and headers, without a body",
            "responses": {
              "200": {"description": "The OpenAPI 3.1 document of this API."},
              "400": {
                "description": "Framing a proxy could read differently (two `Content-Length` headers, `Transfer-Encoding` beside `Content-Length` or other than `chunked`, a body on a method other than POST, PUT or PATCH): refused before routing, and the connection is closed."
              },
              "413": {"description": "The body is over 2.5 MB (the connection is closed)."},
              "431": {"description": "The request headers are over 16 KiB (the connection is closed)."}
            }
          }
        },
        "/metrics": {
          "get": {
            "operationId": "metrics",
            "summary": "Counters and gauges in Prometheus' text exposition format",
            "responses": {
              "200": {
                "description": "The metrics.",
                "content": {"text/plain; version=0.0.4; charset=utf-8": {"schema": {"type": "string"}}}
              },
              "400": {"$ref": "#/components/responses/AmbiguousFraming"},
              "413": {"$ref": "#/components/responses/BodyTooLarge"},
              "431": {"$ref": "#/components/responses/HeadersTooLarge"}
            }
          },
          "head": {
            "operationId": "metricsHead",
            "summary": "The GET's status and headers, without a body",
            "responses": {
              "200": {"description": "The metrics."},
              "400": {
                "description": "Framing a proxy could read differently (two `Content-Length` headers, `Transfer-Encoding` beside `Content-Length` or other than `chunked`, a body on a method other than POST, PUT or PATCH): refused before routing, and the connection is closed."
              },
              "413": {"description": "The body is over 2.5 MB (the connection is closed)."},
              "431": {"description": "The request headers are over 16 KiB (the connection is closed)."}
            }
          }
        }
      },
      "components": {
        "securitySchemes": {
          "bearerAuth": {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "An access token from `/api/token/` or `/api/token/refresh/`, as `Authorization: Bearer <token>`."
          }
        },
        "schemas": {
          "CharField": {
            "description": "A DRF CharField: a string, or a number that is stringified as Python's str() would (`123`, `1.5`). Surrounding whitespace is trimmed; blank, NUL characters and lone surrogates are refused.",
            "type": ["string", "number"]
          },
          "Credentials": {
            "type": "object",
            "properties": {
              "username": {"$ref": "#/components/schemas/CharField"},
              "password": {"$ref": "#/components/schemas/CharField"}
            },
            "required": ["username", "password"]
          },
          "RefreshBody": {
            "type": "object",
            "properties": {"refresh": {"$ref": "#/components/schemas/CharField"}},
            "required": ["refresh"]
          },
          "VerifyBody": {
            "type": "object",
            "properties": {"token": {"$ref": "#/components/schemas/CharField"}},
            "required": ["token"]
          },
          "Token": {"type": "string", "description": "A compact JWS (header.payload.signature)."},
          "TokenPair": {
            "type": "object",
            "properties": {
              "refresh": {"$ref": "#/components/schemas/Token"},
              "access": {"$ref": "#/components/schemas/Token"}
            },
            "required": ["refresh", "access"],
            "additionalProperties": false
          },
          "Refreshed": {
            "type": "object",
            "properties": {
              "access": {"$ref": "#/components/schemas/Token"},
              "refresh": {
                "$ref": "#/components/schemas/Token",
                "description": "Only when rotating refresh tokens."
              }
            },
            "required": ["access"],
            "additionalProperties": false
          },
          "Empty": {"type": "object", "maxProperties": 0},
          "User": {
            "type": "object",
            "properties": {"id": {"type": "integer", "minimum": 1}, "username": {"type": "string"}},
            "required": ["id", "username"],
            "additionalProperties": false
          },
          "Health": {
            "type": "object",
            "properties": {"status": {"const": "ok"}},
            "required": ["status"],
            "additionalProperties": false
          },
          "Ready": {
            "type": "object",
            "properties": {"status": {"const": "ready"}},
            "required": ["status"],
            "additionalProperties": false
          },
          "OpenAPIDocument": {"type": "object", "required": ["openapi", "info", "paths"]},
          "Messages": {"type": "array", "items": {"type": "string"}, "minItems": 1},
          "CredentialsErrors": {
            "type": "object",
            "description": "DRF serializer errors: each refused field with its messages, in field order; `non_field_errors` when the body is not an object.",
            "properties": {
              "username": {"$ref": "#/components/schemas/Messages"},
              "password": {"$ref": "#/components/schemas/Messages"},
              "non_field_errors": {"$ref": "#/components/schemas/Messages"}
            },
            "additionalProperties": false,
            "minProperties": 1
          },
          "RefreshErrors": {
            "type": "object",
            "description": "DRF serializer errors: each refused field with its messages, in field order; `non_field_errors` when the body is not an object.",
            "properties": {
              "refresh": {"$ref": "#/components/schemas/Messages"},
              "non_field_errors": {"$ref": "#/components/schemas/Messages"}
            },
            "additionalProperties": false,
            "minProperties": 1
          },
          "VerifyErrors": {
            "type": "object",
            "description": "DRF serializer errors: each refused field with its messages, in field order; `non_field_errors` when the body is not an object.",
            "properties": {
              "token": {"$ref": "#/components/schemas/Messages"},
              "non_field_errors": {"$ref": "#/components/schemas/Messages"}
            },
            "additionalProperties": false,
            "minProperties": 1
          },
          "Detail": {
            "type": "object",
            "properties": {"detail": {"type": "string"}},
            "required": ["detail"],
            "additionalProperties": false
          },
          "NoActiveAccount": {
            "type": "object",
            "properties": {"detail": {"const": "No active account found with the given credentials"}},
            "required": ["detail"],
            "additionalProperties": false
          },
          "NoActiveAccountForToken": {
            "type": "object",
            "properties": {"detail": {"const": "No active account found for the given token."}},
            "required": ["detail"],
            "additionalProperties": false
          },
          "NoCredentials": {
            "type": "object",
            "properties": {"detail": {"const": "Authentication credentials were not provided."}},
            "required": ["detail"],
            "additionalProperties": false
          },
          "TokenError": {
            "type": "object",
            "properties": {"detail": {"type": "string"}, "code": {"const": "token_not_valid"}},
            "required": ["detail", "code"],
            "additionalProperties": false
          },
          "AuthenticationError": {
            "description": "simplejwt's JWTAuthentication refusals with a code: a malformed header (`bad_authorization_header`), a token without `user_id` (`token_not_valid`), a user who does not exist (`user_not_found`) or is inactive (`user_inactive`).",
            "type": "object",
            "properties": {
              "detail": {"type": "string"},
              "code": {"enum": ["bad_authorization_header", "token_not_valid", "user_not_found", "user_inactive"]}
            },
            "required": ["detail", "code"],
            "additionalProperties": false
          },
          "AccessTokenError": {
            "description": "The access token is not valid; `messages` says why.",
            "type": "object",
            "properties": {
              "detail": {"const": "Given token not valid for any token type"},
              "code": {"const": "token_not_valid"},
              "messages": {
                "type": "array",
                "items": {
                  "type": "object",
                  "properties": {
                    "token_class": {"const": "AccessToken"},
                    "token_type": {"const": "access"},
                    "message": {"type": "string"}
                  },
                  "required": ["token_class", "token_type", "message"],
                  "additionalProperties": false
                },
                "minItems": 1
              }
            },
            "required": ["detail", "code", "messages"],
            "additionalProperties": false
          }
        },
        "headers": {
          "WWW-Authenticate": {
            "description": "The challenge simplejwt sends.",
            "required": true,
            "schema": {"const": "Bearer realm=\"api\""}
          },
          "Allow": {
            "description": "The path's methods, comma-separated.",
            "required": true,
            "schema": {"type": "string"}
          },
          "Retry-After": {
            "description": "Seconds to wait before retrying (absent on the request-deadline 503).",
            "schema": {"type": "string", "pattern": "^[0-9]+$"}
          }
        },
        "responses": {
          "NotAuthenticated": {
            "description": "No credentials (no `Authorization`, or a scheme other than `Bearer`), a malformed header, an access token that is not valid, or a user who is missing or inactive.",
            "headers": {"WWW-Authenticate": {"$ref": "#/components/headers/WWW-Authenticate"}},
            "content": {
              "application/json": {
                "schema": {
                  "anyOf": [
                    {"$ref": "#/components/schemas/NoCredentials"},
                    {"$ref": "#/components/schemas/AuthenticationError"},
                    {"$ref": "#/components/schemas/AccessTokenError"}
                  ]
                }
              }
            }
          },
          "AmbiguousFraming": {
            "description": "Framing a proxy could read differently (two `Content-Length` headers, `Transfer-Encoding` beside `Content-Length` or other than `chunked`, a body on a method other than POST, PUT or PATCH): refused before routing, and the connection is closed.",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Detail"}}}
          },
          "BodyTooLarge": {
            "description": "The body is over 2.5 MB (the connection is closed).",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Detail"}}}
          },
          "HeadersTooLarge": {
            "description": "The request headers are over 16 KiB (the connection is closed).",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Detail"}}}
          },
          "UnsupportedMediaType": {
            "description": "A body whose Content-Type is not JSON, urlencoded or multipart.",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Detail"}}}
          },
          "Unavailable": {
            "description": "The database is unreachable, the password-hashing queue is full, signing failed, or the request deadline passed: retry.",
            "headers": {"Retry-After": {"$ref": "#/components/headers/Retry-After"}},
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Detail"}}}
          },
          "MethodNotAllowed": {
            "description": "A method the path does not list.",
            "headers": {"Allow": {"$ref": "#/components/headers/Allow"}},
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Detail"}}}
          },
          "NotFound": {
            "description": "An unknown path.",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Detail"}}}
          }
        }
      }
    }
    """#
}
