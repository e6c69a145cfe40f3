// The API reference, rendered by Swagger UI from /openapi.json (generated from the route table and the request schemas).
window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger',
  deepLinking: true,
  persistAuthorization: true,
});
