# A static binary on a small base image.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/kompeten ./cmd/kompeten

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/kompeten /kompeten
ENV KOMPETEN_DATA=/data
VOLUME /data
EXPOSE 8080
USER nonroot:nonroot
ENTRYPOINT ["/kompeten"]
CMD ["serve"]
