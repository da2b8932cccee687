# ChinhQuyenSo: a release build in the Swift image, run from a slim Debian image.
# Kept buildable in principle (docker build -t cqs .); the CI machines have no container engine.
FROM swift:6.3-bookworm AS build
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --product cqs --static-swift-stdlib \
 && mkdir -p /out && cp "$(swift build -c release --show-bin-path)/cqs" /out/ \
 && cp -R "$(swift build -c release --show-bin-path)"/*.resources /out/ 2>/dev/null || true

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates libsqlite3-0 tzdata postgresql-client \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home /var/lib/cqs cqs && mkdir -p /var/lib/cqs && chown cqs /var/lib/cqs
COPY --from=build /out/ /opt/cqs/bin/
USER cqs
ENV CQS_DATA_DIR=/var/lib/cqs CQS_HTTP_HOST=0.0.0.0 CQS_HTTP_PORT=8080 CQS_LOG_FORMAT=json TZ=Asia/Ho_Chi_Minh
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s CMD ["/bin/sh", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080"]
ENTRYPOINT ["/opt/cqs/bin/cqs"]
CMD ["serve", "--no-demo", "--secure-cookies"]
