import './globals.css';

export const metadata = { title: 'erplink storefront', description: 'A Next.js shop whose back office is Odoo' };

export default function RootLayout({ children }) {
  return (
    <html lang="en">
      <body>
        <header className="top">
          <a href="/" className="brand">erplink storefront</a>
          <nav>
            <a href="/">Products</a>
            <a href="/checkout">Checkout</a>
          </nav>
        </header>
        <main>{children}</main>
      </body>
    </html>
  );
}
