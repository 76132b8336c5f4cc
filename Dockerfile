# Build: Swift 6 toolchain image; run: slim Debian with only the shared libraries taostream needs.
FROM swift:6.1-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libhiredis-dev libsodium-dev zlib1g-dev libssl-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests/TestHarness ./Tests/TestHarness
COPY Benchmarks ./Benchmarks
COPY web-client-spec ./web-client-spec
# Test targets are declared in Package.swift; their folders must exist for the manifest to load.
RUN mkdir -p $(sed -n 's/.*testTarget(name: "\([A-Za-z]*\)".*/Tests\/\1/p' Package.swift) \
    && for d in Tests/*/; do [ -n "$(ls -A "$d")" ] || echo 'import Testing' > "$d/Placeholder.swift"; done
RUN swift build -c release --product taostream --static-swift-stdlib
# The DevChain's recorded runtime travels as a resource bundle next to the binary.
RUN mkdir -p /out && cp .build/release/taostream /out/ && cp -R .build/release/*.resources /out/

FROM debian:bookworm-slim
# libcurl4: the statically linked FoundationNetworking (the Datura and Chutes clients) loads it;
# curl: the compose health checks.
RUN apt-get update && apt-get install -y --no-install-recommends libhiredis0.14 libsodium23 zlib1g libcurl4 curl ca-certificates \
    && rm -rf /var/lib/apt/lists/* && useradd --system --uid 10001 --home /var/lib/taostream taostream \
    && mkdir -p /var/lib/taostream/metadata && chown -R taostream:taostream /var/lib/taostream
# The metadata cache's named volume takes this directory's owner when first mounted: the
# image's user must own it, or the cache is never written.
COPY --from=build /out/ /usr/local/bin/
COPY --from=build /src/web-client-spec/client /usr/local/share/taostream/client
USER taostream
WORKDIR /var/lib/taostream
ENV TAOSTREAM_HTTP_HOST=0.0.0.0
EXPOSE 8080 9091
ENTRYPOINT ["/usr/local/bin/taostream"]
CMD ["serve"]
